// Image URLs where no platform loader is registered (browsers, workers, Deno, Bun): fetched, as load_image
// does with http(s) URLs; where there is a page (or a worker's script URL), any other string is a URL relative
// to it. Paths need a file system (Node).

import { fetchUrl } from "../pretrained/fetch-bytes.js";

const FETCHABLE = /^(https?|blob):/i;
/** A response larger than this is refused (a decoded image is capped by maxPixels; its file should be too). */
export const MAX_IMAGE_DOWNLOAD_BYTES = 1 << 30;

export async function fetchImage(source: string, timeoutSeconds?: number): Promise<Uint8Array> {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  if (!FETCHABLE.test(source) && !base) {
    throw new Error(
      `${source}: cannot read a path here (no file system); pass a URL, the image's bytes, a Blob or its pixels, ` +
        `or import "convnext" in Node`,
    );
  }
  const url = new URL(source, base).href;
  const timeoutMs = timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000;
  const fetched = await fetchUrl(url, { timeoutMs, maxBytes: MAX_IMAGE_DOWNLOAD_BYTES });
  if (!fetched.response.ok) {
    await fetched.discard();
    throw new Error(`${source}: HTTP ${fetched.response.status} ${fetched.response.statusText}`.trimEnd());
  }
  return fetched.bytes();
}
