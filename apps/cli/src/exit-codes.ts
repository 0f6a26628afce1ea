import { KilnError, type KilnErrorCode } from "@kiln/contracts/errors";

/**
 * One table from error code to exit status: 1 a hook failed (the user's
 * build), 2 usage or input error, 3 host/system error.
 */
const EXIT_CODES: Record<KilnErrorCode, number> = {
  ELEMENTS_PATH_UNSET: 2,
  INVALID_ELEMENT_DIR: 2,
  MISSING_ELEMENT: 2,
  ALREADY_PROVIDED: 2,
  MISSING_OS: 2,
  DUPLICATE_HOOK: 2,
  ELEMENT_FILE: 2,
  PACKAGE_INSTALLS: 2,
  PKG_MAP: 2,
  BLOCK_DEVICE_CONFIG: 2,
  USAGE: 2,
  INVALID_RUN_PARTS_REGEX: 2,
  HOST: 3,
  HOOK_FAILED: 1,
  CANCELLED: 3,
  CATALOG_TREE: 2,
};

/** Exit status for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof KilnError) return EXIT_CODES[err.code];
  return 3;
}

/** A build's final status, as the server reports it. */
export type TFinalBuildStatus = "SUCCEEDED" | "FAILED" | "ERRORED" | "CANCELLED";

/**
 * Exit status for a build that ran elsewhere (`kiln remote build --follow`),
 * from the same table as local builds: FAILED is the user's hook failing
 * (HOOK_FAILED → 1), ERRORED the system's (HOST → 3), CANCELLED → 3.
 */
export function exitCodeForStatus(status: TFinalBuildStatus): number {
  switch (status) {
    case "SUCCEEDED":
      return 0;
    case "FAILED":
      return EXIT_CODES.HOOK_FAILED;
    case "ERRORED":
      return EXIT_CODES.HOST;
    case "CANCELLED":
      return EXIT_CODES.CANCELLED;
    default: {
      const never: never = status;
      throw new Error(`unknown build status ${String(never)}`);
    }
  }
}
