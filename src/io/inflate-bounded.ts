// DEFLATE / zlib streams inflated through the web-standard DecompressionStream (Node and browsers), never
// past a limit: the output buffer has the size the caller expects, and the stream is cancelled the moment
// it would write beyond it, so a decompression bomb costs at most `limit` bytes.

/** Inflates `data` into at most `limit` bytes; throws when the stream would produce more, or is corrupt. */
export async function inflateBounded(
  data: Uint8Array,
  format: "deflate" | "deflate-raw",
  limit: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(limit);
  let filled = 0;
  const reader = new Blob([data as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream(format))
    .getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (filled + value.length > limit) {
      await reader.cancel().catch(() => {});
      throw new Error(`inflates past its declared size of ${limit} bytes`);
    }
    out.set(value, filled);
    filled += value.length;
  }
  return out.subarray(0, filled);
}
