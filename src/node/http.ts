// HTTP for the hub client: fetch with redirects followed by hand, so the Authorization header only ever
// goes to the hub's own origin (never to the CDN a file redirects to), and an idle timeout so a stalled
// server gives an error instead of a hang.

// The error wording is shared with the browser client.
export { HubHttpError, httpError } from "../pretrained/hub-errors.js";

export interface RequestOptions {
  method: "GET" | "HEAD";
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer <token>` to `authOrigin` only. */
  token?: string;
  authOrigin?: string;
  /**
   * "relative": follow only a Location without a host (HEAD, as huggingface_hub does: the 3xx itself carries
   * X-Repo-Commit, X-Linked-Etag and X-Linked-Size); "all": follow every one (GET).
   */
  redirects: "relative" | "all";
  /** Abort when nothing arrives for this long. */
  timeoutMs: number;
}

export interface HttpResponse {
  response: Response;
  /** The URL that answered (after redirects). */
  url: string;
  /** Clears the idle timer; call `touch` on every chunk while streaming the body. */
  touch(): void;
  /** Aborts the body's stream with this reason (a read then rejects). */
  abort(reason: Error): void;
  done(): void;
}

/** The server answered, but not like the Hugging Face hub does (as opposed to "cannot reach"). */
export class HubResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HubResponseError";
  }
}

/** A Location with neither a scheme nor a host (`/org/name/resolve/...`): what HEAD follows. */
export function isRelativeLocation(location: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith("//") && !location.startsWith("\\\\");
}

const MAX_REDIRECTS = 10;

export async function request(url: string, options: RequestOptions): Promise<HttpResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { "Accept-Encoding": "identity", ...options.headers };
    if (options.token && options.authOrigin && new URL(current).origin === options.authOrigin) {
      headers.Authorization = `Bearer ${options.token}`;
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => controller.abort(new Error(`no data for ${options.timeoutMs / 1000} s`)),
        options.timeoutMs,
      );
    };
    const done = () => clearTimeout(timer);
    touch();
    let response: Response;
    try {
      response = await fetch(current, {
        method: options.method,
        headers,
        redirect: "manual",
        signal: controller.signal,
      });
    } catch (e) {
      done();
      throw new Error(`cannot reach ${current}: ${describeNetworkError(e)}`);
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      let target: URL;
      try {
        target = new URL(location, current);
      } catch {
        done();
        throw new HubResponseError(`${current}: invalid redirect Location ${JSON.stringify(location.slice(0, 200))}`);
      }
      if (options.redirects === "all" || isRelativeLocation(location)) {
        done();
        await response.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw new HubResponseError(`${url}: more than ${MAX_REDIRECTS} redirects`);
        if (target.protocol !== "http:" && target.protocol !== "https:")
          throw new HubResponseError(`${url}: redirect to unsupported URL ${target.href}`);
        current = target.href;
        continue;
      }
    }
    return { response, url: current, touch, abort: (reason) => controller.abort(reason), done };
  }
}

export function describeNetworkError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}
