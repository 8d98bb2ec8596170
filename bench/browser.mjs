// `npm run bench:browser [-- options]`: this engine's wasm kernels and onnxruntime-web in Chromium (a
// cross-origin isolated page, so both can use threads), on the weights and input of `npm run bench`. Each
// configuration runs in a fresh browser. Chromium: CHROMIUM_PATH or /usr/bin/chromium (Debian's package).
//   --model tiny|atto|PATH/config.json  --batches 1,8  --threads 1,2  --runs 10  --rounds 1  --peers  --json
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startStaticServer } from "../tools/static-server.mjs";
import { flopsPerImage } from "./flops.mjs";
import { modelDir, onnxFile } from "./model-dir.mjs";
import { summarize } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const list = (name, def) => opt(name, def).split(",").filter(Boolean).map(Number);
const json = args.includes("--json");
const log = (...a) => (json ? console.error(...a) : console.log(...a));

const MODELS = { tiny: "convnext-tiny-224.json", atto: "convnextv2-atto-224.json" };
const modelArg = opt("model", "tiny");
const configFile = MODELS[modelArg] ? join(here, "configs", MODELS[modelArg]) : modelArg;
const config = JSON.parse(readFileSync(configFile, "utf8"));
const name = MODELS[modelArg] ? MODELS[modelArg].replace(/\.json$/, "") : "custom";
const size = config.image_size ?? 224;
const runs = Number(opt("runs", "10"));
const peers = args.includes("--peers") && config.model_type !== "convnextv2"; // the ONNX export covers V1
const dir = modelDir(configFile, name);
if (peers) onnxFile(dir, size);

const executable = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p) => p && existsSync(p),
);
if (!executable) throw new Error("no Chromium: install Debian's chromium or set CHROMIUM_PATH");
const server = await startStaticServer(root, ["dist/", "bench/", "node_modules/onnxruntime-web/"]);
const page = `${server.origin}/isolated/bench/browser-page.mjs`;
const modelPath = relative(join(root, "bench"), dir).replace(/^out\//, "");

const flops = flopsPerImage(config, size).total;
// as in bench/run.mjs: the systems at one thread count and batch back to back, --rounds N times over, each
// row the median of its rounds' medians
const jobs = [];
for (const threads of list("threads", "1,2")) {
  for (const batch of list("batches", "1,8")) {
    for (const runner of ["runOurs", ...(peers ? ["runOrt"] : [])]) jobs.push({ runner, threads, batch });
  }
}
const rounds = Number(opt("rounds", "1"));
const byJob = jobs.map(() => []);
let version = "";
for (let round = 0; round < rounds; round++) {
  for (const [i, { runner, threads, batch }] of jobs.entries()) {
    const browser = await chromium.launch({ executablePath: executable, args: ["--no-sandbox"] });
    try {
      const tab = await browser.newPage();
      version ||= browser.version();
      await tab.goto(`${server.origin}/isolated/`);
      const options = { model: modelPath, threads, batch, runs, size };
      const r = await tab.evaluate(`import("${page}").then((m) => m.${runner}(${JSON.stringify(options)}))`);
      byJob[i].push(r);
      log(`  ${r.system} ${r.backend} ${r.threads}t b${batch}: ${r.median.toFixed(1)} ms/img`);
    } finally {
      await browser.close();
    }
  }
}
const results = byJob.map((rs) => {
  const median = summarize(rs.map((r) => r.median)).median;
  const r = rs.reduce((a, b) => (Math.abs(b.median - median) < Math.abs(a.median - median) ? b : a));
  return { ...r, median, min: Math.min(...rs.map((x) => x.min)), gflops: flops / 1e6 / median };
});
await server.close();

const ours = results.find((r) => r.system.startsWith("convnext"));
for (const r of results) {
  const d = Math.max(...r.logits_head.map((v, i) => Math.abs(v - ours.logits_head[i])));
  if (d > 1e-3) log(`  WARNING: ${r.system} logits differ from ours by ${d}`);
}
const rows = results.map((r) => ({
  system: r.system,
  backend: r.backend,
  threads: r.threads,
  batch: r.batch,
  ms_per_image_median: +r.median.toFixed(2),
  ms_per_image_min: +r.min.toFixed(2),
  gflops: +r.gflops.toFixed(2),
  load_ms: +r.load_ms.toFixed(0),
}));
if (json) {
  const date = new Date().toISOString();
  console.log(JSON.stringify({ model: name, browser: `Chromium ${version}`, date, results: rows }, null, 1));
} else {
  log(`\n${name} in Chromium ${version}, ${runs} timed runs after 2 warm-ups, ${rounds} round(s)\n`);
  log(
    "| system | backend | threads | batch | ms/img median | ms/img min | GFLOP/s | load ms |\n|---|---|---|---|---|---|---|---|",
  );
  for (const r of rows) log(`| ${Object.values(r).join(" | ")} |`);
  for (const p of rows.filter((r) => !r.system.startsWith("convnext"))) {
    const o = rows.find((r) => r.system.startsWith("convnext") && r.threads === p.threads && r.batch === p.batch);
    if (o)
      log(
        `- ${p.system}, ${p.threads} thread(s), batch ${p.batch}: ${(p.ms_per_image_median / o.ms_per_image_median).toFixed(2)}x`,
      );
  }
}
