/**
 * Named engine errors. Every error the engine throws is a `KilnError` with a
 * stable `code`, so transports (CLI, tRPC, agent) map codes to exit statuses or
 * HTTP codes in one table instead of matching message text. The base class
 * and the code list live in @kiln/contracts, shared with every package.
 */
import { KilnError } from "@kiln/contracts/errors";

/** Thrown when no elements path was given and `ELEMENTS_PATH` is empty. */
export class ElementsPathUnsetError extends KilnError {
  constructor() {
    super("ELEMENTS_PATH_UNSET", "$ELEMENTS_PATH must be set.");
  }
}

/** Thrown when an elements-path entry is missing or not a directory. */
export class InvalidElementDirError extends KilnError {
  constructor(
    readonly entry: string,
    options?: { cause?: unknown },
  ) {
    super("INVALID_ELEMENT_DIR", `ELEMENTS_PATH entry '${entry}' is not a directory`, options);
  }
}

/** Thrown when a requested or depended-on element exists nowhere on the path. */
export class MissingElementError extends KilnError {
  constructor(
    readonly element: string,
    readonly requiredBy?: string,
  ) {
    super(
      "MISSING_ELEMENT",
      `Element '${element}' not found` + (requiredBy ? ` (required by '${requiredBy}')` : ""),
    );
  }
}

/**
 * Thrown when a name is provided twice in one expansion, or when a requested
 * element is also provided by another element of the request.
 */
export class AlreadyProvidedError extends KilnError {
  constructor(
    message: string,
    readonly conflicts: { name: string; providers: string[] }[],
  ) {
    super("ALREADY_PROVIDED", message);
  }
}

/** Thrown when no element of the expansion provides `operating-system`. */
export class MissingOSError extends KilnError {
  constructor() {
    super("MISSING_OS", "Please include an operating system element");
  }
}

/** Thrown when two elements ship the same file name in the same hook directory. */
export class DuplicateHookError extends KilnError {
  constructor(
    readonly dir: string,
    readonly file: string,
    readonly elements: [string, string],
  ) {
    super(
      "DUPLICATE_HOOK",
      `There is a duplicated hook in your elements: ${dir}/${file} is in both ` +
        `'${elements[0]}' and '${elements[1]}'`,
    );
  }
}

/** Thrown when an element's file cannot be read or parsed; names the file. */
export class ElementFileError extends KilnError {
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super("ELEMENT_FILE", `${file}: ${detail}`, options);
  }
}

/**
 * Thrown before a build starts when `RUN_PARTS_REGEX` (dib-run-parts' hook
 * name filter) is not a valid regular expression: otherwise every phase
 * would quietly select no hooks.
 */
export class InvalidRunPartsRegexError extends KilnError {
  constructor(
    readonly regex: string,
    options?: { cause?: unknown },
  ) {
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(
      "INVALID_RUN_PARTS_REGEX",
      `RUN_PARTS_REGEX is not a valid regular expression: '${regex}'${detail}`,
      options,
    );
  }
}

/** Thrown when a hook (or an environment.d file) exits non-zero: the user's failure. */
export class HookFailedError extends KilnError {
  constructor(
    readonly phase: string,
    readonly element: string,
    readonly script: string,
    readonly exitCode: number,
    readonly signal?: string,
  ) {
    super(
      "HOOK_FAILED",
      `hook ${phase}/${script} of element '${element}' failed with exit code ${exitCode}` +
        (signal ? ` (killed by ${signal})` : ""),
    );
  }
}

/** Thrown when a build is cancelled through its AbortSignal. */
export class BuildCancelledError extends KilnError {
  constructor(reason = "build cancelled") {
    super("CANCELLED", reason);
  }
}
