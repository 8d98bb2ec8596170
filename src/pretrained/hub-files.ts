// A hub model's files over fetch, for browsers, workers, Deno and Bun, cached in the Cache API. Like
// huggingface_hub, a revision is resolved to a commit and every file comes from that commit, so a model never
// mixes two pushes and a cached file is never stale. The commit and the file list come from the hub's API
// (GET /api/models/{repo}/revision/{revision}, model_info): a page cannot see the headers of the redirect a
// HEAD request gets for a large file, and the listing spares a 404 for every checkpoint format it lacks.
// Offline, or when the hub cannot be reached, a revision resolves through the listing cached last time.

import { fetchUrl, NetworkError } from "./fetch-bytes.js";
import { httpError } from "./hub-errors.js";
import { hubOptions, type HubOptions } from "./hub-options.js";
import {
  COMMIT_HASH,
  DEFAULT_ENDPOINT,
  hubModelName,
  normalizeEndpoint,
  parseHubReference,
  resolveUrl,
  revisionInfoUrl,
} from "./hub-reference.js";
import { DEFAULT_CACHE_NAME, isQuotaError, openHubStorage, type HubStorage } from "./hub-storage.js";
import { MAX_JSON_BYTES, parseJson, type ModelFiles } from "./model-files.js";

export interface HubModelFiles extends ModelFiles {
  readonly repoId: string;
  readonly revision: string;
  /** The commit the files come from (resolving the revision if no file was read yet). */
  commit(): Promise<string>;
}

/** A file of a listing: its size and, for LFS files, the sha256 of its contents (null when the hub does not say). */
interface ListedFile {
  size: number | null;
  sha256: string | null;
}

interface Listing {
  commit: string;
  files: Map<string, ListedFile>;
}

const TOKEN_ADVICE = "pass { token } to fromPretrained";

function absoluteEndpoint(endpoint: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  try {
    return normalizeEndpoint(new URL(endpoint, base).href);
  } catch {
    throw new Error(`invalid hub endpoint "${endpoint}": expected an http(s) URL`);
  }
}

/** The model_info JSON -> the commit and the files; anything else is refused with the URL in the message. */
function parseListing(bytes: Uint8Array, url: string): Listing {
  const info = parseJson(bytes, url) as { sha?: unknown; siblings?: unknown };
  const siblings = info?.siblings;
  if (typeof info?.sha !== "string" || !COMMIT_HASH.test(info.sha) || !Array.isArray(siblings)) {
    throw new Error(`${url}: not a Hugging Face hub API answer (needs "sha" and "siblings"; check the endpoint)`);
  }
  const files: Listing["files"] = new Map();
  for (const s of siblings as Array<{ rfilename?: unknown; size?: unknown; lfs?: { sha256?: unknown } }>) {
    if (typeof s?.rfilename !== "string") continue;
    const size = Number.isSafeInteger(s.size) ? (s.size as number) : null;
    const sha = typeof s.lfs?.sha256 === "string" && /^[0-9a-f]{64}$/.test(s.lfs.sha256) ? s.lfs.sha256 : null;
    files.set(s.rfilename, { size, sha256: sha });
  }
  return { commit: info.sha, files };
}

async function sha256Hex(bytes: Uint8Array): Promise<string | null> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (!subtle) return null; // an insecure page has no SubtleCrypto: the size check remains
  const digest = new Uint8Array(await subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The files of hub model `ref` ("org/name" or "org/name@revision"), fetched from the endpoint and cached. */
export function hubFiles(ref: string, options: HubOptions = {}): HubModelFiles {
  const parsed = parseHubReference(ref);
  if (!parsed) throw new Error(`"${ref}" is not a hub id like "org/name" or "org/name@revision"`);
  const opts = hubOptions(options);
  const repoId = parsed.repoId;
  const revision = options.revision ?? parsed.revision ?? "main";
  const endpoint = absoluteEndpoint(opts.endpoint ?? DEFAULT_ENDPOINT);
  const name = hubModelName(repoId, revision);
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  const fetchOptions = { headers, timeoutMs: opts.timeoutMs };

  let storage: Promise<HubStorage | null> | null = null;
  const store = () => (storage ??= opts.cache === false ? Promise.resolve(null) : openHubStorage(opts.cacheName));

  let quotaExceeded = false; // said once per model; later files are not tried
  const save = async (url: string, bytes: Uint8Array, type: string, what: string) => {
    if (quotaExceeded) return;
    try {
      await (await store())?.put(url, bytes, type);
    } catch (e) {
      if (!isQuotaError(e)) return warn(`${what}: not cached (${(e as Error).message})`);
      quotaExceeded = true;
      warn(
        `${name}: not cached, the browser's storage quota is exceeded; the model works, but the next visit ` +
          `downloads it again (clearHubCache() frees what convnext stored)`,
      );
    }
  };

  const cachedListing = async (rev: string): Promise<Listing | null> => {
    const url = revisionInfoUrl(endpoint, repoId, rev);
    const bytes = await (await store())?.get(url);
    return bytes ? parseListing(bytes, url) : null;
  };

  const notCached = (why: string) =>
    new Error(`${name}: ${why}, and this model is not in this browser's cache (cache name "${opts.cacheName ?? DEFAULT_CACHE_NAME}")`); // prettier-ignore

  const fromCache = async (why: string): Promise<Listing> => {
    const cached = await cachedListing(revision);
    if (!cached) throw notCached(why);
    return cached;
  };

  const resolveListing = async (): Promise<Listing> => {
    if (opts.offline) return fromCache("offline is set");
    if (COMMIT_HASH.test(revision)) {
      const pinned = await cachedListing(revision); // a commit's files never change: no request
      if (pinned) return pinned;
    }
    const url = revisionInfoUrl(endpoint, repoId, revision);
    let fetched;
    try {
      fetched = await fetchUrl(url, { ...fetchOptions, maxBytes: MAX_JSON_BYTES });
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      return fromCache(e.message);
    }
    const { response } = fetched;
    if (!response.ok) {
      await fetched.discard();
      const error = httpError(url, response, TOKEN_ADVICE);
      // like huggingface_hub: a hub that fails (not one that says no) does not stop a cached model
      if (response.status >= 500 || response.status === 429) {
        return fromCache(error.message);
      }
      throw error;
    }
    const bytes = await fetched.bytes();
    const listing = parseListing(bytes, url);
    await save(url, bytes, "application/json", `${name} (file list)`);
    if (revision !== listing.commit) {
      await save(revisionInfoUrl(endpoint, repoId, listing.commit), bytes, "application/json", `${name} (file list)`);
    }
    return listing;
  };

  let listing: Promise<Listing> | null = null;
  const snapshot = () => {
    listing ??= resolveListing();
    listing.catch(() => (listing = null)); // a failed resolution is retried by the next call
    return listing;
  };

  const reported = new Set<string>();
  /** `file` of the listing: its URL, and its bytes from the cache (read into `allocate`'s memory if given). */
  const cachedFile = async (file: string, allocate?: (bytes: number) => Uint8Array) => {
    const { commit, files } = await snapshot();
    const entry = files.get(file);
    if (!entry) return null;
    const url = resolveUrl(endpoint, repoId, commit, file);
    const label = `${repoId}/${file}`;
    const into = allocate && entry.size !== null ? { size: entry.size, allocate } : undefined;
    const cached = await (await store())?.get(url, into);
    if (cached && (entry.size === null || cached.length === entry.size)) {
      // once per file: a loader may read a small file twice (config.json for the model and the processor)
      if (!reported.has(file)) opts.onProgress?.({ file: label, loaded: cached.length, total: cached.length, cached: true }); // prettier-ignore
      reported.add(file);
      return { url, label, entry, bytes: cached };
    }
    return { url, label, entry, bytes: null };
  };

  /** A listed file that is not cached: fetched, checked against the listing, then cached. */
  const download = async (file: string, { url, label, entry }: { url: string; label: string; entry: ListedFile }) => {
    if (opts.offline) throw new Error(`${label}: not in this browser's cache, and offline is set`);
    const fetched = await fetchUrl(url, {
      ...fetchOptions,
      expectedSize: entry.size,
      maxBytes: entry.size === null && file.endsWith(".json") ? MAX_JSON_BYTES : undefined,
      onProgress: (loaded, total) => opts.onProgress?.({ file: label, loaded, total }),
    }).catch((e: Error) => Promise.reject(e instanceof NetworkError ? notCached(e.message) : e));
    if (!fetched.response.ok) {
      await fetched.discard();
      throw httpError(url, fetched.response, TOKEN_ADVICE);
    }
    const bytes = await fetched.bytes();
    if (entry.sha256) {
      const actual = await sha256Hex(bytes);
      if (actual !== null && actual !== entry.sha256) {
        throw new Error(`${url}: sha256 ${actual} does not match the hub's ${entry.sha256}; the file was not cached`);
      }
    }
    await save(url, bytes, fetched.response.headers.get("content-type") ?? "application/octet-stream", label);
    return bytes;
  };

  const read = async (file: string): Promise<Uint8Array | null> => {
    const found = await cachedFile(file);
    if (!found) return null;
    return found.bytes ?? (await download(file, found));
  };

  // A cached checkpoint streams from the cache into the kernels' memory, held once. A downloaded one is
  // hashed and cached from an array of its own (a view of shared memory can be neither), then copied there.
  const readInto = async (file: string, allocate: (bytes: number) => Uint8Array): Promise<Uint8Array | null> => {
    let block: Uint8Array | null = null;
    const found = await cachedFile(file, (n) => (block = allocate(n)));
    if (!found) return null;
    const bytes = found.bytes ?? (await download(file, found));
    if (bytes === block) return bytes;
    const out = allocate(bytes.length);
    out.set(bytes);
    return out;
  };

  return {
    name,
    repoId,
    revision,
    commit: async () => (await snapshot()).commit,
    read,
    readInto,
    describe: (file) => `${name}/${file}`,
  };
}
