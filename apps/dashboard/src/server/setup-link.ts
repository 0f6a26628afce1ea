import { closeSync, fchmodSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import type { Logger } from "@kiln/contracts/logger";

/** The file in the data directory that holds the pending one-time setup link. */
export const SETUP_LINK_FILE = "setup-link.txt";

export interface TSetupLinkOutput {
  /** The data directory (KILN_DATA_DIR, absolute). */
  dataDir: string;
  logger: Logger;
  /** Where an operator watching the start reads it: the terminal, when it is one. */
  terminal: Pick<NodeJS.WriteStream, "isTTY" | "write">;
}

/**
 * Hands the one-time setup link to the operator without putting it in the
 * log: the link signs in as the first administrator until it is used, and
 * logs are collected, shipped and kept. It goes to a file only the server's
 * user may read (mode 0600, in the data directory) and, when stderr is a
 * terminal, to that terminal. The log line says where it is, never what it is.
 */
export function announceSetupLink(setupUrl: string, output: TSetupLinkOutput): string {
  const file = path.join(output.dataDir, SETUP_LINK_FILE);
  mkdirSync(output.dataDir, { recursive: true });
  // A fresh file each start (the previous link is void): never written through
  // whatever was left at that path, and 0600 whatever the umask.
  rmSync(file, { force: true });
  const fd = openSync(file, "wx", 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${setupUrl}\n`);
  } finally {
    closeSync(fd);
  }
  const onTerminal = output.terminal.isTTY === true;
  if (onTerminal) {
    output.terminal.write(
      `\nkiln: no users yet. Open this one-time link to create the administrator:\n\n    ${setupUrl}\n\n`,
    );
  }
  output.logger.warn(
    `no users yet: the one-time setup link is in ${file}` +
      (onTerminal ? " and on this terminal" : "") +
      "; open it to create the administrator",
  );
  return file;
}

/** Once an administrator exists, a link file left from an earlier start is removed. */
export function removeSetupLink(dataDir: string): void {
  rmSync(path.join(dataDir, SETUP_LINK_FILE), { force: true });
}
