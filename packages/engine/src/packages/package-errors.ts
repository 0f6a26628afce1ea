import { KilnError } from "@kiln/contracts/errors";

/**
 * Thrown while squashing package-installs when a rule cannot be evaluated:
 * a `when` names an unset variable, or an arch rule meets an unset `ARCH`.
 * The message names the file and the package.
 */
export class PackageInstallsError extends KilnError {
  constructor(
    readonly file: string,
    readonly pkg: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super("PACKAGE_INSTALLS", `${file}: package '${pkg}': ${detail}`, options);
  }
}

/**
 * Thrown by pkg-map resolution. `exitCode` is what DIB's `pkg-map` exits with
 * for the same failure (1: bad usage, bad file or a missing mapping; 2: no
 * pkg-map file), so a CLI can keep DIB's contract with its callers.
 */
export class PkgMapError extends KilnError {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    options?: { cause?: unknown },
  ) {
    super("PKG_MAP", message, options);
  }
}
