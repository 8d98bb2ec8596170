export function startDemoServer(options: {
  model: string;
  port?: number;
  host?: string;
  endpoint?: string;
  /** Serve dist/core.js and the worker as esbuild bundles them (minified ESM, shared chunks). */
  bundle?: boolean;
}): Promise<{
  url: string;
  /** The model the page loads: the hub id, or "local/<dir name>" for a directory served as a local hub. */
  model: string;
  /** "METHOD /path?query" of every request so far. */
  requests: string[];
  close(): Promise<void>;
}>;
