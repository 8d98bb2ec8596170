// An in-memory stand-in for the Cache API (CacheStorage), for the hub loader's tests in Node, which has none:
// open / match / put / delete by URL, and a quota whose overrun rejects put() with a QuotaExceededError.

class MemoryCache {
  readonly entries = new Map<string, { body: Uint8Array; headers: [string, string][] }>();
  constructor(private readonly owner: MemoryCaches) {}

  async match(url: string): Promise<Response | undefined> {
    const entry = this.entries.get(url);
    return entry ? new Response(entry.body.slice() as BodyInit, { headers: entry.headers }) : undefined;
  }

  async put(url: string, response: Response): Promise<void> {
    const body = new Uint8Array(await response.arrayBuffer());
    if (this.owner.used() + body.length > this.owner.quotaBytes) {
      throw new DOMException("Quota exceeded.", "QuotaExceededError");
    }
    const headers: [string, string][] = [];
    response.headers.forEach((value, key) => headers.push([key, value]));
    this.entries.set(url, { body, headers });
  }
}

export class MemoryCaches {
  quotaBytes = Infinity;
  private readonly caches = new Map<string, MemoryCache>();

  async open(name: string): Promise<MemoryCache> {
    let cache = this.caches.get(name);
    if (!cache) this.caches.set(name, (cache = new MemoryCache(this)));
    return cache;
  }

  async delete(name: string): Promise<boolean> {
    return this.caches.delete(name);
  }

  keys(name: string): string[] {
    return [...(this.caches.get(name)?.entries.keys() ?? [])];
  }

  used(): number {
    let bytes = 0;
    for (const cache of this.caches.values()) for (const e of cache.entries.values()) bytes += e.body.length;
    return bytes;
  }
}
