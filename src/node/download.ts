// Downloads one file into the cache without ever exposing a partial file: bytes go to
// `<blob>.incomplete`, which is renamed to `<blob>` only once its size (and sha256, when the ETag is one)
// match. A dropped connection is resumed with an HTTP Range request, a few times in the same call, and
// the `.incomplete` file is kept so a later call resumes too; every other failure deletes it.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { describeNetworkError, httpError, HubHttpError, request } from "./http.js";
import type { DownloadProgress } from "./progress-bar.js";

export interface DownloadOptions {
  url: string;
  destination: string;
  /** From the HEAD request; the download must end with exactly this many bytes. */
  expectedSize: number | null;
  /** Checked when given (LFS files: their ETag is the sha256 of the contents). */
  sha256: string | null;
  /** The file's name in messages and progress. */
  label: string;
  token?: string;
  authOrigin?: string;
  timeoutMs: number;
  /** Resume attempts after a dropped connection, within this call. */
  retries: number;
  retryDelayMs: number;
  onProgress?: (p: DownloadProgress) => void;
}

export class DownloadError extends Error {
  constructor(
    message: string,
    /** True when the partial bytes were kept for a later resume. */
    readonly resumable: boolean,
  ) {
    super(message);
    this.name = "DownloadError";
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Streams the response body to the end of `path` (`truncate`: start over). Returns bytes written. */
async function appendBody(
  path: string,
  truncate: boolean,
  body: ReadableStream<Uint8Array>,
  touch: () => void,
  onChunk: (n: number) => void,
): Promise<void> {
  const handle = await open(path, truncate ? "w" : "a");
  try {
    const reader = body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new NetworkCut(describeNetworkError(e));
      }
      if (chunk.done) break;
      touch();
      await handle.write(chunk.value); // a write error (ENOSPC) propagates as is
      onChunk(chunk.value.length);
    }
  } finally {
    await handle.close();
  }
}

class NetworkCut extends Error {}

export async function downloadFile(options: DownloadOptions): Promise<void> {
  const partial = `${options.destination}.incomplete`;
  const { expectedSize, label } = options;
  const report = (loaded: number) => options.onProgress?.({ file: label, loaded, total: expectedSize });
  const discard = async (message: string): Promise<never> => {
    await rm(partial, { force: true });
    throw new DownloadError(message, false);
  };

  for (let attempt = 0; ; attempt++) {
    let have = await sizeOf(partial);
    if (expectedSize !== null && have > expectedSize) {
      await rm(partial, { force: true });
      have = 0;
    }
    if (expectedSize !== null && have === expectedSize && have > 0) break; // complete from an earlier run
    let loaded = have;
    try {
      const res = await request(options.url, {
        method: "GET",
        headers: have > 0 ? { Range: `bytes=${have}-` } : {},
        token: options.token,
        authOrigin: options.authOrigin,
        redirects: "all",
        timeoutMs: options.timeoutMs,
      });
      const { response } = res;
      try {
        if (response.status === 416 && have > 0) {
          await response.body?.cancel();
          await rm(partial, { force: true }); // the partial file does not fit this resource: start over
          continue;
        }
        if (response.status !== 200 && response.status !== 206) {
          await response.body?.cancel();
          throw httpError(res.url, response);
        }
        let truncate = have === 0;
        if (response.status === 206) {
          const start = Number(/^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1]);
          if (start !== have) {
            await response.body?.cancel();
            await rm(partial, { force: true });
            continue;
          }
        } else if (have > 0) {
          truncate = true; // the server ignored the Range header: start over
          loaded = 0;
        }
        if (!response.body) throw new NetworkCut("empty response body");
        report(loaded);
        await appendBody(partial, truncate, response.body, res.touch, (n) => {
          loaded += n;
          report(loaded);
        });
      } finally {
        res.done();
      }
      if (expectedSize === null || loaded >= expectedSize) break;
      throw new NetworkCut(`the server closed the connection after ${loaded} of ${expectedSize} bytes`);
    } catch (e) {
      if (e instanceof HubHttpError) {
        if (e.status >= 500 && attempt < options.retries) {
          await sleep(options.retryDelayMs * (attempt + 1));
          continue;
        }
        return discard(`downloading ${label}: ${e.message}`);
      }
      const err = e as NodeJS.ErrnoException;
      if (e instanceof NetworkCut || (err.message?.startsWith("cannot reach") && loaded > 0)) {
        if (attempt < options.retries) {
          await sleep(options.retryDelayMs * (attempt + 1));
          continue;
        }
        const kept = await sizeOf(partial);
        throw new DownloadError(
          `downloading ${label}: connection lost (${err.message}); ${kept} of ${expectedSize ?? "?"} bytes are kept in ${partial} and the next run resumes from there`,
          true,
        );
      }
      if (err.code === "ENOSPC" || err.code === "EDQUOT")
        return discard(
          `downloading ${label}: disk full while writing ${partial} (${err.code}); the partial file was removed`,
        );
      if (err.code) return discard(`downloading ${label}: cannot write ${partial} (${err.message})`);
      return discard(`downloading ${label}: ${err.message}`);
    }
  }

  const got = await sizeOf(partial);
  if (expectedSize !== null && got !== expectedSize)
    return discard(`downloading ${label}: got ${got} bytes, expected ${expectedSize}; the partial file was removed`);
  if (options.sha256) {
    const actual = await sha256File(partial);
    if (actual !== options.sha256)
      return discard(
        `downloading ${label}: sha256 ${actual} does not match the expected ${options.sha256}; the file was removed`,
      );
  }
  await rename(partial, options.destination);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
