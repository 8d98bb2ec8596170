// Driving a browser from test/browser/browser.test.ts and bench/browser.mjs: where Chromium is, and a static file
// server that serves some directories of the repository on 127.0.0.1, under /isolated/ with the headers that make a page cross-origin
// isolated (COOP + COEP: SharedArrayBuffer, so threads) and under /plain/ without them. `/isolated/` and
// `/plain/` themselves are an empty HTML page.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";

const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json", ".wasm": "application/wasm" };
const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

/** Chromium's executable: CHROMIUM_PATH, or Debian's (package chromium); undefined when there is none. */
export function chromiumExecutable() {
  return [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
}

/** root: the repository; served: directory prefixes relative to it ("dist/", ...). Resolves to { origin, close }. */
export async function startStaticServer(root, served) {
  const server = createServer((req, res) => {
    const [, mode, ...rest] = new URL(req.url ?? "/", "http://localhost").pathname.split("/");
    if (mode !== "isolated" && mode !== "plain") return void res.writeHead(404).end();
    const headers = mode === "isolated" ? ISOLATION : {};
    const path = normalize(decodeURIComponent(rest.join("/")));
    if (path === "." || path === "") {
      return void res.writeHead(200, { ...headers, "Content-Type": "text/html" }).end("<!doctype html><title>convnext</title>");
    }
    if (!served.some((dir) => path.startsWith(dir))) return void res.writeHead(404).end();
    readFile(join(root, path)).then(
      (body) => res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}
