#!/usr/bin/env node
// The size of what a page loads from `convnext/core`: the static import closure of dist/core.js as shipped
// (each file gzipped on its own, as a server sends native ES modules), and the bundle esbuild makes of it
// (minified, ESM, for browsers; code only reached by import() goes to chunks loaded when needed), and the
// same for the Worker API's worker script. `npm run build` first.
//   node tools/bundle-size.mjs [--json] [--budget KB]   (exit 1 when the closure's gzip exceeds the budget)
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const CORE_BUDGET_GZIP = 120 * 1024;

const STATIC_IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
const gzipped = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** Every file `entry` imports statically, transitively: { files: [{ path, bytes, gzip }], packages, bytes, gzip }. */
export function staticClosure(entry = join(root, "dist/core.js")) {
  const seen = new Map();
  const packages = new Set();
  const stack = [resolve(entry)];
  while (stack.length) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    const source = readFileSync(file);
    seen.set(file, { path: relative(root, file), bytes: source.length, gzip: gzipped(source) });
    for (const m of source.toString("utf8").matchAll(STATIC_IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith(".")) stack.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  const files = [...seen.values()].sort((a, b) => b.gzip - a.gzip);
  const sum = (key) => files.reduce((s, f) => s + f[key], 0);
  return { files, packages: [...packages].sort(), bytes: sum("bytes"), gzip: sum("gzip") };
}

/**
 * esbuild's minified ESM bundle for browsers of `entry` (a file), or of an app whose only code is `code` (e.g.
 * `import { ImageClassifierWorker } from "convnext/core"`, tree-shaken as the package's sideEffects allow):
 * the entry chunk with the chunks it imports statically (each gzipped), and the chunks loaded on demand.
 */
export async function minifiedBundle(entry = join(root, "dist/core.js"), code = undefined) {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    ...(code === undefined ? { entryPoints: [entry] } : { stdin: { contents: code, resolveDir: root } }),
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    splitting: true,
    outdir: "out",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  // the entry's own output (import()ed modules are entry points of the metafile too), and the chunks it
  // imports statically: they load with it; the rest when an import() asks
  const outputs = result.metafile.outputs;
  const entryPoint = code === undefined ? relative(process.cwd(), resolve(entry)) : "<stdin>";
  const entryName = Object.entries(outputs).find(([, o]) => o.entryPoint === entryPoint)?.[0] ?? "out/stdin.js";
  const loaded = new Set();
  for (const stack = [entryName]; stack.length; ) {
    const name = stack.pop();
    if (loaded.has(name)) continue;
    loaded.add(name);
    for (const i of outputs[name]?.imports ?? []) if (i.kind === "import-statement") stack.push(i.path);
  }
  const isLoaded = (f) => [...loaded].some((name) => f.path.endsWith(name));
  const js = result.outputFiles.filter((f) => f.path.endsWith(".js"));
  const main = js.filter(isLoaded);
  const lazy = js.filter((f) => !isLoaded(f));
  return {
    bytes: main.reduce((s, f) => s + f.contents.length, 0),
    gzip: main.reduce((s, f) => s + gzipped(f.contents), 0),
    lazyBytes: lazy.reduce((s, f) => s + f.contents.length, 0),
    lazyGzip: lazy.reduce((s, f) => s + gzipped(f.contents), 0),
  };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function main(argv) {
  const i = argv.indexOf("--budget");
  const budget = i >= 0 ? Number(argv[i + 1]) * 1024 : CORE_BUDGET_GZIP;
  const closure = staticClosure();
  const worker = staticClosure(join(root, "dist/web/worker.js"));
  const bundle = await minifiedBundle();
  const workerBundle = await minifiedBundle(join(root, "dist/web/worker.js"));
  const apps = {
    workerApi: await minifiedBundle(undefined, 'import { ImageClassifierWorker } from "convnext/core"; globalThis.use = ImageClassifierWorker;'), // prettier-ignore
    inThread: await minifiedBundle(undefined, 'import { ImageClassifier } from "convnext/core"; globalThis.use = ImageClassifier;'), // prettier-ignore
  };
  if (argv.includes("--json")) {
    console.log(JSON.stringify({ closure: { ...closure, files: closure.files.length }, bundle, workerBundle, apps }, null, 2)); // prettier-ignore
  } else {
    console.log(`dist/core.js static import closure: ${closure.files.length} files, ${kb(closure.bytes)}, ${kb(closure.gzip)} gzip (each file gzipped; budget ${kb(budget)})`);
    console.log(`  packages imported statically: ${closure.packages.join(", ") || "none"}`);
    console.log(`  largest: ${closure.files.slice(0, 5).map((f) => `${f.path.replace(/^dist\//, "")} ${kb(f.gzip)}`).join(", ")}`);
    console.log(`esbuild --bundle --minify (ESM, browser) of dist/core.js: ${kb(bundle.bytes)}, ${kb(bundle.gzip)} gzip; chunks loaded on demand: ${kb(bundle.lazyBytes)}, ${kb(bundle.lazyGzip)} gzip`);
    console.log(`dist/web/worker.js (the Worker API's worker): closure ${kb(worker.gzip)} gzip; minified ${kb(workerBundle.bytes)}, ${kb(workerBundle.gzip)} gzip`);
    console.log(`an app importing only ImageClassifierWorker: ${kb(apps.workerApi.bytes)}, ${kb(apps.workerApi.gzip)} gzip (plus the worker above)`);
    console.log(`an app importing only ImageClassifier (in-thread): ${kb(apps.inThread.bytes)}, ${kb(apps.inThread.gzip)} gzip`);
  }
  const nodeImports = closure.packages.filter((p) => p.startsWith("node:"));
  if (nodeImports.length) {
    console.error(`the core imports Node modules: ${nodeImports.join(", ")}`);
    process.exit(1);
  }
  if (closure.gzip > budget) {
    console.error(`the core's closure (${kb(closure.gzip)} gzip) is over the budget (${kb(budget)})`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
