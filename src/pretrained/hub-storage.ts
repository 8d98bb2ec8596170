// Where the fetch-based hub loader keeps what it downloaded: the Cache API (browsers, their workers, Deno),
// keyed by URL. Files are stored under their commit's resolve URL, which never changes content, so a hit needs
// no request; a revision's listing is stored under its API URL, so a branch resolves to a commit offline.

export interface HubStorage {
  /**
   * The stored bytes, or null. With `into`, a body stored with that size is read straight into
   * into.allocate(size) (the kernels' memory), not into an array of its own; null if it is not that size.
   */
  get(url: string, into?: { size: number; allocate: (bytes: number) => Uint8Array }): Promise<Uint8Array | null>;
  /** Rejects with the platform's error (a QuotaExceededError when storage is full). */
  put(url: string, bytes: Uint8Array, contentType: string): Promise<void>;
}

export const DEFAULT_CACHE_NAME = "convnext-hub";

interface CacheLike {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
  delete(name: string): Promise<boolean>;
}

function cacheStorage(): CacheStorageLike | null {
  const caches = (globalThis as { caches?: CacheStorageLike }).caches;
  return caches && typeof caches.open === "function" ? caches : null;
}

/** The Cache API cache `name`, or null where there is none (Node, Bun, an insecure http:// page). */
export async function openHubStorage(name = DEFAULT_CACHE_NAME): Promise<HubStorage | null> {
  const caches = cacheStorage();
  if (!caches) return null;
  let cache: CacheLike;
  try {
    cache = await caches.open(name);
  } catch {
    return null; // storage disabled (a private window's policy, an opaque origin): work without a cache
  }
  return {
    async get(url, into) {
      const response = await cache.match(url);
      if (!response) return null;
      // put() stores the length: memory is allocated only for a body said to have the expected size
      if (into && response.body && response.headers.get("Content-Length") === String(into.size)) {
        return readBodyInto(response.body, into.allocate(into.size));
      }
      return new Uint8Array(await response.arrayBuffer());
    },
    async put(url, bytes, contentType) {
      const headers = { "Content-Type": contentType, "Content-Length": String(bytes.length) };
      await cache.put(url, new Response(bytes as BodyInit, { headers }));
    },
  };
}

/** A stream read into `out`; null when it is shorter or longer. */
async function readBodyInto(body: ReadableStream<Uint8Array>, out: Uint8Array): Promise<Uint8Array | null> {
  const reader = body.getReader();
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return at === out.length ? out : null;
    if (at + value.length > out.length) {
      await reader.cancel();
      return null;
    }
    out.set(value, at);
    at += value.length;
  }
}

/** Deletes every model the hub loader cached under `name` (default "convnext-hub"); false if there was none. */
export async function clearHubCache(name = DEFAULT_CACHE_NAME): Promise<boolean> {
  return (await cacheStorage()?.delete(name)) ?? false;
}

/** Whether an error is the storage being full. */
export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return name === "QuotaExceededError" || name === "NS_ERROR_DOM_QUOTA_REACHED";
}
