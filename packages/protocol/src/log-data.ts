/** LOG_CHUNK `data` is base64 of raw log bytes (see ZLogData for why not UTF-8 text). */

/** Bytes → LOG_CHUNK `data`. */
export function encodeLogData(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** LOG_CHUNK `data` → bytes. Call on validated messages only (the parser checked the alphabet). */
export function decodeLogData(data: string): Buffer {
  return Buffer.from(data, "base64");
}
