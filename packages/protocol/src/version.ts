/**
 * Protocol versions and the compatibility rule.
 *
 * Every frame carries `v`, the version of that message's schema. Today every
 * message is v1 and both sides accept exactly {1}. The rule for the future:
 *
 * - Adding an optional field is not a new version: schemas strip unknown keys,
 *   so an older peer ignores it and a newer peer copes with its absence.
 * - Changing or removing a field, or making one required, bumps `v` of that
 *   message only. The catalogs then hold one schema per (type, v); a server
 *   keeps accepting every version an agent still in the field may send, and
 *   sends a newer version only to agents whose HELLO listed it in `protocols`.
 * - HELLO, WELCOME and ERROR stay v1 forever, so any two peers can always
 *   negotiate or at least say why they cannot.
 */

/** The version this code writes. */
export const PROTOCOL_VERSION = 1 as const;

/** Versions this code reads. */
export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** True when a frame's `v` is one this side understands. */
export function isSupportedVersion(v: unknown): v is number {
  return typeof v === "number" && SUPPORTED_VERSIONS.includes(v);
}
