/** Joins byte chunks, `totalBytes` long together, into one new array. */
export function concatBytes(chunks: Uint8Array[], totalBytes: number): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}
