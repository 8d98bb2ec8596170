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
  /** "relative": follow only same-origin redirects (HEAD, like huggingface_hub); "all": follow every one. */
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
  done(): void;
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
      const target = new URL(location, current);
      const sameOrigin = target.origin === new URL(current).origin;
      if (options.redirects === "all" || sameOrigin) {
        done();
        await response.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw new Error(`${url}: more than ${MAX_REDIRECTS} redirects`);
        if (target.protocol !== "http:" && target.protocol !== "https:")
          throw new Error(`${url}: redirect to unsupported URL ${target.href}`);
        current = target.href;
        continue;
      }
    }
    return { response, url: current, touch, done };
  }
}

export function describeNetworkError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}
