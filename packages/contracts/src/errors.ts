/**
 * The base of every error Kiln's packages throw: a failure the user can act
 * on, with a stable `code` so transports (CLI, tRPC, agent) map codes to exit
 * statuses or HTTP codes in one table instead of matching message text.
 */

/** Stable machine-readable error codes. */
export type KilnErrorCode =
  | "ELEMENTS_PATH_UNSET"
  | "INVALID_ELEMENT_DIR"
  | "MISSING_ELEMENT"
  | "ALREADY_PROVIDED"
  | "MISSING_OS"
  | "DUPLICATE_HOOK"
  | "ELEMENT_FILE"
  | "PACKAGE_INSTALLS"
  | "PKG_MAP"
  | "BLOCK_DEVICE_CONFIG"
  | "USAGE"
  | "INVALID_RUN_PARTS_REGEX"
  | "HOST"
  | "HOOK_FAILED"
  | "CANCELLED"
  | "CATALOG_TREE";

/** Base class: a failure the user can act on, with a one-line message. */
export class KilnError extends Error {
  constructor(
    readonly code: KilnErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
