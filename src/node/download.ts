// Downloads one file into the cache without ever exposing a partial file: bytes go to
// `<blob>.incomplete`, which is renamed to `<blob>` only once its size (and sha256, when the ETag is one)
// match. A dropped connection is resumed with an HTTP Range request, a few times in the same call, and
// the `.incomplete` file is kept so a later call resumes too; every other failure deletes it.
// A hostile server is bounded: never more bytes than announced, no Content-Encoding (a gzip bomb), a minimum
// speed over a window (curl's --speed-limit / --speed-time), and the partial file is never a followed symlink.

import { createHash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { lstat, open, rename, rm } from "node:fs/promises";
import { describeNetworkError, httpError, HubHttpError, HubResponseError, request } from "./http.js";
import type { DownloadProgress } from "./progress-bar.js";
import type { MinSpeed } from "../pretrained/fetch-bytes.js";

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
  /** Abort (as a dropped connection) when fewer than `bytesPerSecond` arrive over `seconds` (curl's speed limit). */
  minSpeed: MinSpeed;
  /** Resume attempts after a dropped connection, within this call. */
  retries: number;
  retryDelayMs: number;
  onProgress?: (p: DownloadProgress) => void;
}

export type { MinSpeed };

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

/** Size of the partial file; anything but a regular file there (a planted symlink) is removed, never followed. */
async function partialSize(path: string): Promise<number> {
  try {
    const s = await lstat(path);
    if (s.isFile()) return s.size;
    await rm(path, { force: true }); // unlinks a symlink itself, not its target
    return 0;
  } catch {
    return 0;
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Streams the response body to the end of `path` (`truncate`: start over), never more than `room` bytes.
 * The file is opened with O_NOFOLLOW: a symlink planted at `<blob>.incomplete` is an error, not a target.
 */
async function appendBody(
  path: string,
  truncate: boolean,
  body: ReadableStream<Uint8Array>,
  room: number,
  http: { touch(): void; abort(reason: Error): void },
  minSpeed: MinSpeed,
  onChunk: (n: number) => void,
): Promise<void> {
  const { O_WRONLY, O_CREAT, O_APPEND, O_TRUNC, O_NOFOLLOW } = constants;
  const handle = await open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | (truncate ? O_TRUNC : O_APPEND), 0o644);
  let received = 0;
  let inWindow = 0;
  // curl --speed-limit/--speed-time: every window, at least bytesPerSecond * seconds must have arrived.
  const slow = setInterval(() => {
    if (inWindow < minSpeed.bytesPerSecond * minSpeed.seconds) {
      http.abort(
        new Error(`slower than ${minSpeed.bytesPerSecond} bytes/s for ${minSpeed.seconds} s (${inWindow} bytes)`),
      );
    }
    inWindow = 0;
  }, minSpeed.seconds * 1000);
  const reader = body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new NetworkCut(describeNetworkError(e));
      }
      if (chunk.done) break;
      http.touch();
      received += chunk.value.length;
      inWindow += chunk.value.length;
      if (received > room) {
        await reader.cancel().catch(() => {});
        throw new HubResponseError(`the server sent more than the ${room} bytes announced`);
      }
      await handle.write(chunk.value); // a write error (ENOSPC) propagates as is
      onChunk(chunk.value.length);
    }
  } finally {
    clearInterval(slow);
    await handle.close();
  }
}

class NetworkCut extends Error {}

/** Write errors that mean "no room": the disk, a quota, or the process's file size limit. */
const NO_ROOM = ["ENOSPC", "EDQUOT", "EFBIG"];

export async function downloadFile(options: DownloadOptions): Promise<void> {
  const partial = `${options.destination}.incomplete`;
  const { expectedSize, label } = options;
  const report = (loaded: number) => options.onProgress?.({ file: label, loaded, total: expectedSize });
  const discard = async (message: string): Promise<never> => {
    await rm(partial, { force: true });
    throw new DownloadError(message, false);
  };

  for (let attempt = 0; ; attempt++) {
    let have = await partialSize(partial);
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
        // Sizes and checksums are of the file's bytes: a body the transport would decode (we asked for identity)
        // could be anything, e.g. a gzip bomb.
        const encoding = response.headers.get("content-encoding");
        if (encoding && encoding.trim().toLowerCase() !== "identity") {
          await response.body?.cancel();
          throw new HubResponseError(
            `${res.url}: the server sent Content-Encoding: ${encoding.slice(0, 40)} though identity was asked for`,
          );
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
        const room = expectedSize === null ? Number.MAX_SAFE_INTEGER : expectedSize - loaded;
        await appendBody(partial, truncate, response.body, room, res, options.minSpeed, (n) => {
          loaded += n;
          report(loaded);
        });
      } finally {
        res.done();
      }
      if (expectedSize === null || loaded >= expectedSize) break;
      throw new NetworkCut(`the server closed the connection after ${loaded} of ${expectedSize} bytes`);
    } catch (e) {
      if (e instanceof HubResponseError)
        return discard(`downloading ${label}: ${e.message}; the partial file was removed`);
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
        const kept = await partialSize(partial);
        throw new DownloadError(
          `downloading ${label}: connection lost (${err.message}); ${kept} of ${expectedSize ?? "?"} bytes are kept in ${partial} and the next run resumes from there`,
          true,
        );
      }
      if (NO_ROOM.includes(err.code ?? ""))
        return discard(
          `downloading ${label}: no room (disk full, quota or file size limit) while writing ${partial} (${err.code}); ` +
            "the partial file was removed",
        );
      if (err.code === "ELOOP")
        return discard(`downloading ${label}: ${partial} became a symlink while writing; it was removed`);
      if (err.code) return discard(`downloading ${label}: cannot write ${partial} (${err.message})`);
      return discard(`downloading ${label}: ${err.message}`);
    }
  }

  const got = await partialSize(partial);
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
