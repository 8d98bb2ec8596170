// A model directory served over HTTP (your own server or CDN), as ModelFiles: `config.json` is
// `{base}/config.json`, a 404 means the model has no such file. The browser's HTTP cache applies; for the
// Cache API and revision pinning, use a hub id.

import { fetchUrl } from "./fetch-bytes.js";
import type { HubOptions } from "./hub-options.js";
import type { ModelFiles } from "./model-files.js";

export function urlFiles(base: string | URL, options: Pick<HubOptions, "onProgress" | "timeoutMs"> = {}): ModelFiles {
  const href = String(base);
  const dir = new URL(
    href.endsWith("/") ? href : `${href}/`,
    (globalThis as { location?: { href: string } }).location?.href,
  );
  const urlOf = (file: string) => new URL(file.split("/").map(encodeURIComponent).join("/"), dir).href;
  return {
    name: dir.href,
    describe: urlOf,
    read: async (file) => {
      const url = urlOf(file);
      const fetched = await fetchUrl(url, {
        timeoutMs: options.timeoutMs,
        onProgress: (loaded, total) => options.onProgress?.({ file: url, loaded, total }),
      });
      const { response } = fetched;
      if (response.status === 404 || response.status === 410) {
        await fetched.discard();
        return null;
      }
      if (!response.ok) {
        await fetched.discard();
        throw new Error(`${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`);
      }
      return fetched.bytes();
    },
  };
}
