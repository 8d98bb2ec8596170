#!/usr/bin/env node
// The demo's server: `npm run demo -- --model REF [--port P] [--host H] [--endpoint URL]`. A static server for
// examples/web and dist/, with the headers that make the page cross-origin isolated (COOP + COEP), so the
// worker's kernels get threads. REF is a hub id, which the page fetches from the hub itself (--endpoint,
// default HF_ENDPOINT or https://huggingface.co) and keeps in the browser's Cache API, or a model directory,
// which this server offers the page as a one-model hub at /hub (repo "local/<dir name>", its commit a hash of
// the files' names, sizes and times), so a local model goes through the same loader and cache. With --bundle,
// dist/core.js and the worker are served as esbuild makes them for an app (minified ESM, shared chunks) instead
// of as a tree of native modules.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { basename, dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};
const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*(@.+)?$/;

/** A model directory as a hub repository: its files (flat), and a commit hash that changes when they do. */
function localRepo(dir) {
  const name =
    basename(resolve(dir))
      .replace(/[^\w.-]+/g, "-")
      .replace(/^[^A-Za-z0-9]+/, "") || "model";
  const listing = () => {
    const files = readdirSync(dir)
      .filter((f) => statSync(join(dir, f)).isFile())
      .sort()
      .map((f) => ({ file: f, size: statSync(join(dir, f)).size, mtime: statSync(join(dir, f)).mtimeMs }));
    const commit = createHash("sha1").update(JSON.stringify(files)).digest("hex");
    return { commit, files };
  };
  return { repoId: `local/${name}`, dir, listing };
}

function parseArgs(argv) {
  const options = { model: join(root, "examples/model"), port: 8080, host: "127.0.0.1", endpoint: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--model") options.model = value();
    else if (flag === "--port") options.port = Number(value());
    else if (flag === "--host") options.host = value();
    else if (flag === "--endpoint") options.endpoint = value();
    else if (flag === "--bundle") options.bundle = true;
    else if (flag === "--help" || flag === "-h") options.help = true;
    else throw new Error(`unknown option ${argv[i]} (expected --model REF, --port P, --host H, --endpoint URL, --bundle)`); // prettier-ignore
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`--port must be a port number, got ${options.port}`);
  }
  return options;
}

/** dist/core.js and the Worker API's worker as an app's bundler ships them: path under /dist/ -> bytes. */
async function bundled() {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: { core: join(root, "dist/core.js"), worker: join(root, "dist/web/worker.js") },
    bundle: true,
    minify: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    outdir: join(root, "dist"),
    write: false,
    logLevel: "silent",
  });
  return new Map(result.outputFiles.map((f) => [`/dist/${basename(f.path)}`, f.contents]));
}

/**
 * Starts the demo server. model: a directory or a hub id; port 0 picks a free one.
 * Resolves to { url, model, requests, close() }.
 */
export async function startDemoServer({ model, port = 0, host = "127.0.0.1", endpoint, bundle = false } = {}) {
  const isDir = existsSync(model) && statSync(model).isDirectory();
  if (!isDir && !HUB_ID.test(model)) {
    throw new Error(`--model ${model}: neither a model directory nor a hub id like "org/name" or "org/name@revision"`);
  }
  const repo = isDir ? localRepo(model) : null;
  const bundleFiles = bundle ? await bundled() : null;
  const requests = []; // "GET /path", for tests: what a page load asked for
  let origin = "";

  const send = (res, status, headers, body) => {
    res.writeHead(status, { ...ISOLATION, "Cache-Control": "no-cache", ...headers });
    res.end(body);
  };
  const sendFile = async (res, path) => {
    try {
      const body = await readFile(path);
      send(res, 200, { "Content-Type": TYPES[extname(path)] ?? "application/octet-stream" }, body);
    } catch {
      send(res, 404, {}, "not found");
    }
  };

  // The local model as the hub API the page's loader speaks (model_info and resolve).
  const serveHub = (res, path) => {
    const fail = (status, code) => send(res, status, { "X-Error-Code": code }, "");
    const prefix = `/hub/api/models/${repo.repoId}/revision/`;
    const { commit, files } = repo.listing();
    if (path.startsWith(prefix)) {
      const revision = decodeURIComponent(path.slice(prefix.length));
      if (revision !== "main" && revision !== commit) return fail(404, "RevisionNotFound");
      const siblings = files.map(({ file, size }) => ({ rfilename: file, size }));
      return send(res, 200, { "Content-Type": "application/json" }, JSON.stringify({ id: repo.repoId, sha: commit, siblings })); // prettier-ignore
    }
    const m = new RegExp(`^/hub/${repo.repoId}/resolve/([^/]+)/([^/]+)$`).exec(path);
    if (!m) return fail(path.startsWith("/hub/api/") ? 401 : 404, "RepoNotFound");
    if (decodeURIComponent(m[1]) !== commit && m[1] !== "main") return fail(404, "RevisionNotFound");
    const entry = files.find((f) => f.file === decodeURIComponent(m[2]));
    if (!entry) return fail(404, "EntryNotFound");
    res.writeHead(200, {
      ...ISOLATION,
      "Content-Type": "application/octet-stream",
      "Content-Length": String(entry.size),
      "X-Repo-Commit": commit,
    });
    createReadStream(join(repo.dir, entry.file)).pipe(res);
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    requests.push(`${req.method} ${req.url}`);
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, {}, "");
    if (path === "/" || path === "/index.html") return sendFile(res, join(here, "index.html"));
    if (path === "/demo-config.json") {
      const config = repo
        ? { model: repo.repoId, endpoint: `${origin}/hub`, source: resolve(model) }
        : { model, endpoint: endpoint ?? process.env.HF_ENDPOINT ?? "https://huggingface.co", source: model };
      return send(res, 200, { "Content-Type": "application/json" }, JSON.stringify(config));
    }
    if (path.startsWith("/hub/") && repo) return serveHub(res, path);
    if (bundleFiles) {
      const body = bundleFiles.get(path);
      if (body) return send(res, 200, { "Content-Type": "text/javascript" }, body);
      if (path.startsWith("/dist/")) return send(res, 404, {}, "not found");
    }
    const file = normalize(decodeURIComponent(path)).replace(/^\/+/, "");
    if (file.startsWith("dist/")) return sendFile(res, join(root, file));
    if (/^[\w.-]+\.(js|css|png|svg)$/.test(file)) return sendFile(res, join(here, file));
    send(res, 404, {}, "not found");
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  origin = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  return {
    url: `${origin}/`,
    model: repo ? repo.repoId : model,
    requests,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(ok);
      }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`convnext demo: ${e.message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log("npm run demo -- --model REF [--port 8080] [--host 127.0.0.1] [--endpoint URL] [--bundle]");
    console.log("  REF: a model directory (default examples/model) or a hub id org/name[@revision]");
    console.log("  --bundle: serve the library as esbuild bundles it for an app, not as separate modules");
    process.exit(0);
  }
  if (!existsSync(join(root, "dist/core.js"))) {
    console.error("convnext demo: dist/ is missing; run `npm run build` (npm run demo does)");
    process.exit(1);
  }
  try {
    const demo = await startDemoServer(options);
    console.log(`convnext demo: ${demo.url} (model ${demo.model}; Ctrl-C stops)`);
  } catch (e) {
    const message = e.code === "EADDRINUSE" ? `port ${options.port} is in use; pass --port P (0: any free port)` : e.message; // prettier-ignore
    console.error(`convnext demo: ${message}`);
    process.exit(1);
  }
}
