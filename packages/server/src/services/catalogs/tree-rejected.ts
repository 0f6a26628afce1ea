import { CatalogTreeError } from "@kiln/contracts/catalog-hash";
import { AppError } from "../../app-error.ts";

/** A refused tree is the caller's input error (400, or 413 when over a size limit). */
export function treeRejected(err: unknown): unknown {
  if (!(err instanceof CatalogTreeError)) return err;
  const code = err.tooLarge ? "PAYLOAD_TOO_LARGE" : "INVALID_INPUT";
  return new AppError(code, err.message, "file", { cause: err });
}
