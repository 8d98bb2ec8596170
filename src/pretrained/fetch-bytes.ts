// A URL's whole body over fetch, for the loaders that run where fetch is the network (browsers, workers,
// Deno, Bun): progress as the bytes arrive, an idle timeout and a minimum speed instead of a hang, size checks,
// and errors in words. Redirects are followed by fetch itself (a browser hides them from scripts).

export interface FetchBytesOptions {
  headers?: Record<string, string>;
  /** Abort when nothing arrives for this long (default 30 s). */
  timeoutMs?: number;
  /** The body must have exactly this many bytes (and it is the progress total). */
  expectedSize?: number | null;
  /** Refuse a body above this many bytes, announced or not (default: no limit beyond expectedSize). */
  maxBytes?: number;
  /** Abort a download slower than this (a server dripping bytes defeats the idle timeout); default 1000 B/s over 30 s. */
  minSpeed?: MinSpeed;
  onProgress?: (loaded: number, total: number | null) => void;
  signal?: AbortSignal;
}

/** curl's --speed-limit / --speed-time: in every window of `seconds`, at least bytesPerSecond * seconds arrive. */
export interface MinSpeed {
  bytesPerSecond: number;
  seconds: number;
}

export const DEFAULT_MIN_SPEED: MinSpeed = Object.freeze({ bytesPerSecond: 1000, seconds: 30 });

/** The server could not be reached, or stopped answering: offline, DNS, CORS, a timeout, a cut connection. */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkError";
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Why a fetch failed, as far as the platform says (a browser says only "Failed to fetch", on purpose). */
function networkReason(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  const offline = (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false;
  if (offline) return "the browser is offline";
  const reason = cause ? `${err.message} (${cause})` : (err.message ?? String(e));
  return `${reason}; offline, blocked by CORS or a Content-Security-Policy, or the server is down`;
}

export interface FetchedResponse {
  response: Response;
  /** The body, read with progress and the size check; the idle timer runs until it is read. */
  bytes(): Promise<Uint8Array>;
  /** Drops the body (an error status). */
  discard(): Promise<void>;
}

/** GET `url`. Throws NetworkError when there is no response; any HTTP status is returned for the caller. */
export async function fetchUrl(url: string, options: FetchBytesOptions = {}): Promise<FetchedResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const outer = options.signal;
  if (outer) {
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener("abort", () => controller.abort(outer.reason), { once: true });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  const stop = () => clearTimeout(timer);
  const failure = (e: unknown, what: string) => {
    stop();
    if (outer?.aborted) return outer.reason instanceof Error ? outer.reason : new Error(`${url}: aborted`);
    if (timedOut) return new NetworkError(`${url}: ${what} for ${timeoutMs / 1000} s (timed out)`);
    return new NetworkError(`cannot reach ${url}: ${networkReason(e)}`);
  };

  touch();
  let response: Response;
  try {
    response = await fetch(url, { headers: options.headers, signal: controller.signal });
  } catch (e) {
    throw failure(e, "no answer");
  }

  const bytes = async (): Promise<Uint8Array> => {
    const length = response.headers.get("content-length");
    const declared = length === null || length === "" ? NaN : Number(length);
    const compressed = response.headers.has("content-encoding");
    const total = options.expectedSize ?? (Number.isSafeInteger(declared) && !compressed ? declared : null);
    const max = options.maxBytes ?? Infinity;
    if (total !== null && total > max) {
      await discard();
      throw new Error(`${url}: ${total} bytes, above the limit of ${max}`);
    }
    const { bytesPerSecond, seconds } = options.minSpeed ?? DEFAULT_MIN_SPEED;
    let windowStart = Date.now();
    let windowLoaded = 0;
    // a known size is allocated once (a 110 MB checkpoint is not held twice); else the chunks are joined
    let out = new Uint8Array(total ?? 0);
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    options.onProgress?.(0, total);
    try {
      if (response.body) {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          touch();
          const end = loaded + value.length;
          let refused: Error | null = null;
          if (total !== null && end > total) refused = new Error(`${url}: more than the expected ${total} bytes`);
          else if (end > max) refused = new Error(`${url}: more than the limit of ${max} bytes`);
          else if (Date.now() - windowStart >= seconds * 1000) {
            // curl's --speed-limit / --speed-time: too few bytes in the last window
            if (end - windowLoaded < bytesPerSecond * seconds)
              refused = new NetworkError(`${url}: slower than ${bytesPerSecond} bytes/s for ${seconds} s (${loaded} bytes)`); // prettier-ignore
            [windowStart, windowLoaded] = [Date.now(), end];
          }
          if (refused) {
            await reader.cancel();
            throw refused;
          }
          if (total !== null) out.set(value, loaded);
          else chunks.push(value);
          loaded += value.length;
          options.onProgress?.(loaded, total);
        }
      }
    } catch (e) {
      if (e instanceof Error && e.message.startsWith(url)) throw e;
      throw failure(e, `no data after ${loaded} bytes`);
    } finally {
      stop();
    }
    if (total !== null && loaded !== total) {
      throw new NetworkError(`${url}: the connection ended after ${loaded} of ${total} bytes`);
    }
    if (total === null) {
      out = new Uint8Array(loaded);
      let offset = 0;
      for (const c of chunks) {
        out.set(c, offset);
        offset += c.length;
      }
    }
    return out;
  };
  const discard = async () => {
    stop();
    await response.body?.cancel().catch(() => {});
  };
  return { response, bytes, discard };
}
