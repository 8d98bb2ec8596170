// The Node loader for string image sources (registered by setup.ts), what transformers' load_image accepts
// plus the Unix conventions: a file path, a file:// URL, an http(s) URL (with a timeout: load_image's
// `timeout`, by default 10 s without data), or "-" for the bytes on standard input.

import { fileURLToPath } from "node:url";
import { MAX_IMAGE_DOWNLOAD_BYTES as MAX_DOWNLOAD_BYTES } from "../pipelines/fetch-image.js";
import type { ImageLoader } from "../pipelines/image-source.js";
import { readBytes } from "./files.js";
import { describeNetworkError, request } from "./http.js";

export const STDIN = "-";
const DEFAULT_TIMEOUT_S = 10;

export const nodeImageLoader: ImageLoader = async (source, options) => {
  if (source === STDIN) return readStdin();
  if (/^https?:\/\//i.test(source)) return fetchImage(source, (options.timeout ?? DEFAULT_TIMEOUT_S) * 1000);
  if (source.startsWith("file:")) {
    let path: string;
    try {
      path = fileURLToPath(source);
    } catch (e) {
      throw new Error(`${source}: not a valid file URL (${(e as Error).message})`);
    }
    return readBytes(path, source);
  }
  return readBytes(source);
};

let stdinRead = false;

/** All of standard input, once per process. */
async function readStdin(): Promise<Uint8Array> {
  if (stdinRead) throw new Error(`${STDIN}: standard input was already read (give "-" once)`);
  stdinRead = true;
  if (process.stdin.isTTY) throw new Error(`${STDIN}: standard input is a terminal; pipe an image into it`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** GET `url` (redirects followed); `timeoutMs` without data aborts it, like requests' read timeout. */
export async function fetchImage(url: string, timeoutMs: number): Promise<Uint8Array> {
  if (!(timeoutMs > 0)) throw new Error(`timeout must be a positive number of seconds, got ${timeoutMs / 1000}`);
  const res = await request(url, { method: "GET", redirects: "all", timeoutMs });
  try {
    const { response } = res;
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`);
    }
    const declared = Number(response.headers.get("content-length"));
    if (declared > MAX_DOWNLOAD_BYTES) {
      await response.body?.cancel();
      throw new Error(`${url}: ${declared} bytes is more than the ${MAX_DOWNLOAD_BYTES} an image may have`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw new Error(`${url}: the download failed (${describeNetworkError(e)})`);
        }
        if (chunk.done) break;
        res.touch();
        total += chunk.value.length;
        if (total > MAX_DOWNLOAD_BYTES) {
          await reader.cancel();
          throw new Error(`${url}: more than the ${MAX_DOWNLOAD_BYTES} bytes an image may have`);
        }
        chunks.push(chunk.value);
      }
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  } finally {
    res.done();
  }
}
