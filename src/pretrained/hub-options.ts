// How a model reference is fetched: the options fromPretrained takes on every platform (revision, endpoint,
// token, offline, progress; in Node the Hugging Face cache decides the rest), the browser cache's own, and
// the page-wide defaults configureHub sets (like HF_ENDPOINT and HF_HUB_OFFLINE in Node).

/** One file's download progress: `loaded` of `total` bytes (`total` null when the server does not say). */
export interface DownloadProgress {
  /** `org/name/file` (a hub model) or the file's URL. */
  file: string;
  loaded: number;
  total: number | null;
  /** True when the file came from the browser's cache (reported once, complete). */
  cached?: boolean;
}

export interface HubOptions {
  /** Branch, tag or commit; default the `@revision` of the reference, else "main". */
  revision?: string;
  /** Hub URL (default: configureHub's, else https://huggingface.co; in Node HF_ENDPOINT). */
  endpoint?: string;
  /** Bearer token for private or gated models. Never ship a personal token in a public page. */
  token?: string;
  /** Use only what is cached; no request at all. */
  offline?: boolean;
  /** Download progress, per file. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Browser: keep downloaded files in the Cache API (default true where it exists). */
  cache?: boolean;
  /** Browser: the Cache API cache's name (default "convnext-hub"). */
  cacheName?: string;
  /** Browser: abort a request when nothing arrives for this long (default 30 s). */
  timeoutMs?: number;
  /** Notices that do not stop loading (a file that could not be cached); default console.warn. */
  onWarning?: (message: string) => void;
}

/** The settings configureHub may change for every later load. */
export type HubDefaults = Pick<HubOptions, "endpoint" | "token" | "offline" | "cache" | "cacheName" | "timeoutMs">;

let defaults: HubDefaults = {};

/** Sets defaults for the fetch-based hub loader (browsers, Deno, Bun); options given to a load win. */
export function configureHub(options: HubDefaults): void {
  defaults = { ...defaults, ...options };
}

/** A load's options over the configured defaults. */
export function hubOptions(options: HubOptions = {}): HubOptions {
  const merged: HubOptions = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
