#!/usr/bin/env node
// The layering of src/, checked by `npm run lint`: which folder may import which (docs/ARCHITECTURE.md draws
// it), which folders must run without Node, and no import cycle between files. Every import counts,
// `import type` and dynamic import() included. Prints each violation; exits 1 if there is any.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// folder -> the folders it may import besides itself; "." is the entry files at the root of src
export const LAYERS = {
  tensor: [],
  ops: ["tensor"],
  model: ["ops", "tensor"],
  preprocess: ["tensor"],
  io: ["preprocess", "tensor"], // preprocess/inflate.ts: one inflate for PNG, zip entries and HDF5 chunks
  backend: ["model", "ops", "tensor"],
  pretrained: ["backend", "model", "io", "preprocess", "ops", "tensor"],
  pipelines: ["pretrained", "backend", "model", "io", "preprocess", "ops", "tensor"],
  train: ["pretrained", "backend", "model", "io", "preprocess", "ops", "tensor"],
  web: ["pipelines", "pretrained", "backend", "model", "io", "preprocess", "ops", "tensor"],
  node: ["pipelines", "train", "pretrained", "backend", "model", "io", "preprocess", "ops", "tensor"],
  cli: ["node", "pipelines", "train", "pretrained", "backend", "model", "io", "preprocess", "ops", "tensor", "."],
  ".": ["web", "node", "pipelines", "train", "pretrained", "backend", "model", "io", "preprocess", "ops", "tensor", "."],
};
// what runs in browsers, workers, Deno and Bun: no node: module, no process/Buffer
const NODE_FOLDERS = new Set(["node", "cli"]);
const NODE_ENTRIES = new Set(["index.ts"]); // the Node entry point; src/core.ts is the browser one

const src = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "../src"));
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) files.push(path);
  }
};
walk(src);

const folderOf = (file) => {
  const parts = relative(src, file).split("/");
  return parts.length === 1 ? "." : parts[0];
};
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
const problems = [];
const graph = new Map();
for (const file of files) {
  const folder = folderOf(file);
  const where = relative(src, file);
  const mayUseNode = NODE_FOLDERS.has(folder) || (folder === "." && NODE_ENTRIES.has(where));
  const deps = [];
  for (const m of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith("node:")) {
      if (!mayUseNode) problems.push(`${where} imports ${spec}: src/${folder} must run without Node`);
      continue;
    }
    if (!spec.startsWith(".")) continue; // a package
    const target = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
    if (!files.includes(target)) {
      problems.push(`${where} imports ${spec}, which is not a source file`);
      continue;
    }
    deps.push(target);
    const to = folderOf(target);
    const allowed = LAYERS[folder];
    if (!allowed) problems.push(`${where}: src/${folder} is not in the layer table (tools/layers.mjs)`);
    else if (to !== folder && !allowed.includes(to)) {
      problems.push(`${where} imports ${relative(src, target)}: src/${folder} may import only ${[folder, ...allowed].join(", ")}`); // prettier-ignore
    }
  }
  graph.set(file, deps);
}

// cycles: strongly connected components of two or more files (Tarjan)
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const visit = (v) => {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v)) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(relative(src, w));
    } while (w !== v);
    if (component.length > 1) problems.push(`import cycle: ${component.sort().join(" <-> ")}`);
  }
};
for (const file of files) if (!index.has(file)) visit(file);

for (const p of problems) console.error(p);
if (problems.length) {
  console.error(`layers: ${problems.length} problem(s) in ${files.length} files (the rules: tools/layers.mjs)`);
  process.exit(1);
}
console.log(`layers: ${files.length} files, no layering violation, no import cycle`);
