import { KilnError } from "@kiln/contracts/errors";

/**
 * Thrown when a block-device config cannot be used: YAML that does not parse,
 * an entry that is not a plugin, a node option that is missing or invalid, a
 * dangling edge, a cycle, or a layout that does not fit the disk. The message
 * is one line and always starts with `block-device config:` and names the
 * source (file or env variable) and the node or field at fault.
 */
export class BlockDeviceConfigError extends KilnError {
  constructor(
    readonly detail: string,
    options?: { cause?: unknown; source?: string },
  ) {
    const where = options?.source ? ` ${options.source}:` : "";
    super("BLOCK_DEVICE_CONFIG", `block-device config:${where} ${detail}`, options);
  }
}

/**
 * Thrown by the size parsers for a spec DIB would reject; callers that know
 * the node and field rethrow it as a {@link BlockDeviceConfigError}.
 */
export class InvalidSizeError extends KilnError {
  constructor(
    readonly spec: unknown,
    readonly reason: string,
  ) {
    super("BLOCK_DEVICE_CONFIG", `invalid size ${JSON.stringify(spec)}: ${reason}`);
  }
}
