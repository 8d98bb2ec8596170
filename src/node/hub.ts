// Model references: a local directory, or a Hugging Face hub id `org/name[@revision]` read through the
// HF cache (hub-cache.ts) and downloaded into it when missing, with the requests huggingface_hub makes:
// HEAD {endpoint}/{id}/resolve/{revision}/{file} (relative redirects only) for X-Repo-Commit, the ETag
// (X-Linked-Etag for LFS files) and the size (X-Linked-Size), then a GET of the file or its redirect.
// Once the first file pins the commit, every later file of the same model comes from that commit.

import { mkdir, readFile, stat, statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { directoryFiles, readFileInto } from "./local-files.js";
import type { ModelFiles } from "../pretrained/model-files.js";
import { downloadFile, type MinSpeed } from "./download.js";
import { DEFAULT_MIN_SPEED } from "../pretrained/fetch-bytes.js";
import { acquireLock } from "./file-lock.js";
import { COMMIT_HASH, hubEnvironment, RepoCache } from "./hub-cache.js";
import { hubModelName, normalizeEndpoint, parseHubReference, resolveUrl } from "../pretrained/hub-reference.js";
import { describeNetworkError, httpError, HubHttpError, HubResponseError, request } from "./http.js";
import { terminalProgressBar, type DownloadProgress } from "./progress-bar.js";

export interface ResolveOptions {
  /** Branch, tag or commit; default the `@revision` of the reference, else "main". */
  revision?: string;
  /** The hub cache directory; default HF_HUB_CACHE / HF_HOME/hub / ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Use only the cache (default: HF_HUB_OFFLINE=1). */
  offline?: boolean;
  /** Bearer token for private or gated models (default: HF_TOKEN, then the token file in HF_HOME). */
  token?: string;
  /** Hub URL (default: HF_ENDPOINT, else https://huggingface.co). */
  endpoint?: string;
  /** Download progress; default a progress bar on stderr when it is a terminal. */
  onProgress?: (p: DownloadProgress) => void;
  /** Resume attempts after a dropped connection within one call (default 5). */
  retries?: number;
  retryDelayMs?: number;
  /** Idle timeout of a request (default HF_HUB_DOWNLOAD_TIMEOUT seconds, else 10 s). */
  timeoutMs?: number;
  /**
   * A download slower than this over the window is dropped (and resumed, up to `retries`), like curl's
   * --speed-limit / --speed-time (default CONVNEXT_HUB_SPEED_LIMIT bytes/s over CONVNEXT_HUB_SPEED_TIME s,
   * else 1000 bytes/s over 30 s).
   */
  minSpeed?: MinSpeed;
  /** Give up waiting for another process's download of the same file after this long (default: wait). */
  lockTimeoutMs?: number;
}

/** The minimum download speed from the environment (curl's names), else 1000 bytes/s over 30 s. */
export function minSpeedFromEnv(env: NodeJS.ProcessEnv = process.env): MinSpeed {
  const positive = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    bytesPerSecond: positive(env.CONVNEXT_HUB_SPEED_LIMIT, DEFAULT_MIN_SPEED.bytesPerSecond),
    seconds: positive(env.CONVNEXT_HUB_SPEED_TIME, DEFAULT_MIN_SPEED.seconds),
  };
}

export interface ResolvedModel extends ModelFiles {
  kind: "local" | "hub";
  /** For hub models: the repository id and the revision asked for. */
  repoId?: string;
  revision?: string;
  /** The commit the files came from, once known (hub). */
  commit(): string | null;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Resolves a model reference to its files: an existing directory, else a hub id. */
export async function resolveModel(ref: string, options: ResolveOptions = {}): Promise<ResolvedModel> {
  if (await isDirectory(ref)) return { ...directoryFiles(ref), kind: "local", commit: () => null };
  const hub = parseHubReference(ref);
  if (!hub || /^[.~/\\]/.test(ref)) {
    throw new Error(`"${ref}" is neither a model directory nor a hub id like "org/name" or "org/name@revision"`);
  }
  return hubModel(hub.repoId, options.revision ?? hub.revision ?? "main", options);
}

interface FileMetadata {
  commit: string;
  etag: string;
  size: number;
  /** Where to GET the bytes (the redirect target for LFS files). */
  location: string;
}

async function hubModel(repoId: string, revision: string, options: ResolveOptions): Promise<ResolvedModel> {
  const env = hubEnvironment();
  const cache = new RepoCache(options.cacheDir ?? env.cacheDir, repoId);
  const offline = options.offline ?? env.offline;
  const endpoint = normalizeEndpoint(options.endpoint ?? env.endpoint);
  const authOrigin = new URL(endpoint).origin;
  const token = options.token ?? env.token ?? (await readTokenFile(env.tokenPath));
  const timeoutMs = options.timeoutMs ?? (Number(process.env.HF_HUB_DOWNLOAD_TIMEOUT) || 10) * 1000;
  const onProgress = options.onProgress ?? (env.disableProgress ? undefined : (terminalProgressBar() ?? undefined));
  const name = hubModelName(repoId, revision);
  const paths = new Map<string, string>();
  let pinned: string | null = null; // the commit every file comes from, once known

  if (offline) {
    pinned = await cache.commitFor(revision);
    if (!pinned || !(await isDirectory(cache.snapshotDir(pinned)))) {
      throw new Error(
        `${name}: not in the Hugging Face cache (${cache.root}) and offline mode is on (HF_HUB_OFFLINE); ` +
          `download it once online, or point HF_HOME / HF_HUB_CACHE at a cache that has it`,
      );
    }
  }

  // the file's bytes, or (ModelFiles.readInto) the file read into memory that `into` provides
  type Into = ((bytes: number) => Uint8Array) | undefined;
  const readCached = async (commit: string, file: string, into?: Into): Promise<Uint8Array | null> => {
    const path = await cache.cachedFile(commit, file);
    if (!path) return null;
    paths.set(file, path);
    if (into) return readFileInto(path, into);
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  };

  const head = async (file: string): Promise<FileMetadata | null> => {
    const url = resolveUrl(endpoint, repoId, pinned ?? revision, file);
    const res = await request(url, { method: "HEAD", token, authOrigin, redirects: "relative", timeoutMs });
    res.done();
    const { response } = res;
    const h = (k: string) => response.headers.get(k);
    const commit = h("x-repo-commit");
    if (response.status === 404 && h("x-error-code") === "EntryNotFound") {
      if (commit && COMMIT_HASH.test(commit)) {
        await cache.markAbsent(commit, file);
        await cache.writeRef(revision, commit);
        pinned ??= commit;
      }
      return null;
    }
    const redirected = response.status >= 300 && response.status < 400;
    if (!response.ok && !redirected) throw httpError(res.url, response);
    const etag = (h("x-linked-etag") ?? h("etag"))?.replace(/^W\//, "").replace(/"/g, "");
    const size = Number(h("x-linked-size") ?? (redirected ? null : h("content-length")));
    if (
      !commit ||
      !COMMIT_HASH.test(commit) ||
      !etag ||
      !/^[\w.-]{1,200}$/.test(etag) ||
      !Number.isSafeInteger(size) ||
      size < 0
    ) {
      throw new HubResponseError(
        `${res.url}: HTTP ${response.status}, not a Hugging Face hub response (needs X-Repo-Commit, ETag and a size; check HF_ENDPOINT)`,
      );
    }
    const location = redirected ? new URL(h("location")!, res.url).href : res.url;
    return { commit, etag, size, location };
  };

  const download = async (file: string, meta: FileMetadata): Promise<void> => {
    const blob = cache.blobPath(meta.etag);
    // huggingface_hub's lock on this blob: one process downloads it, the others wait and then find it there.
    const lock = await acquireLock(cache.lockPath(meta.etag), {
      timeoutMs: options.lockTimeoutMs,
      onWait: () => onProgress?.({ file: `${repoId}/${file} (waiting for another download)`, loaded: 0, total: null }),
    });
    try {
      await fetchBlob(file, meta, blob);
      await cache.linkSnapshot(meta.commit, file, meta.etag);
    } finally {
      await lock.release();
    }
  };

  const fetchBlob = async (file: string, meta: FileMetadata, blob: string): Promise<void> => {
    const existing = await stat(blob).catch(() => null);
    if (!existing || existing.size !== meta.size) {
      await mkdir(dirname(blob), { recursive: true });
      // huggingface_hub warns when the disk lacks room for the announced size; we refuse before writing a byte,
      // so a hub announcing terabytes cannot fill the disk other programs use.
      const partial = (await stat(`${blob}.incomplete`).catch(() => null))?.size ?? 0;
      const disk = await statfs(dirname(blob)).catch(() => null);
      if (disk && meta.size - partial > disk.bavail * disk.bsize) {
        throw new Error(
          `downloading ${repoId}/${file}: ${meta.size} bytes announced, only ${disk.bavail * disk.bsize} free in ${dirname(blob)}`,
        );
      }
      await downloadFile({
        url: meta.location,
        destination: blob,
        expectedSize: meta.size,
        sha256: /^[0-9a-f]{64}$/.test(meta.etag) ? meta.etag : null, // LFS: the ETag is the content's sha256
        label: `${repoId}/${file}`,
        token,
        authOrigin,
        timeoutMs,
        minSpeed: options.minSpeed ?? minSpeedFromEnv(),
        retries: options.retries ?? 5,
        retryDelayMs: options.retryDelayMs ?? 1000,
        onProgress,
      });
    }
  };

  const read = async (file: string, into?: Into): Promise<Uint8Array | null> => {
    if (offline) return readCached(pinned!, file, into);
    let meta: FileMetadata | null;
    try {
      meta = await head(file);
    } catch (e) {
      // Like huggingface_hub: when the hub cannot be reached (or fails), fall back to the cache.
      // (404s name a missing repository or revision: no fallback for those.)
      const transient = !(e instanceof HubHttpError) || e.status !== 404;
      const commit = pinned ?? (await cache.commitFor(revision));
      if (transient && commit) {
        if (await cache.knownAbsent(commit, file)) return null;
        const cached = await readCached(commit, file, into);
        if (cached) {
          pinned ??= commit;
          return cached;
        }
      }
      // The hub answered (an HTTP error, or not like a hub): say what it said, not that it cannot be reached.
      const message =
        e instanceof HubHttpError || e instanceof HubResponseError
          ? e.message
          : `cannot reach the hub for ${name}/${file}: ${describeNetworkError(e)}`;
      throw new Error(`${message}${transient ? " (and the file is not in the cache)" : ""}`);
    }
    if (!meta) return null;
    pinned ??= meta.commit;
    await cache.writeRef(revision, meta.commit);
    const cached = await readCached(meta.commit, file, into);
    if (cached) return cached;
    await download(file, meta);
    return readCached(meta.commit, file, into);
  };

  return {
    name,
    kind: "hub",
    repoId,
    revision,
    commit: () => pinned,
    read: (file) => read(file),
    readInto: (file, into) => read(file, into),
    describe: (file) => paths.get(file) ?? `${name}/${file}`,
  };
}

async function readTokenFile(path: string): Promise<string | undefined> {
  try {
    const token = (await readFile(path, "utf8")).trim();
    return token || undefined;
  } catch {
    return undefined;
  }
}
