// `npm run bench:browser [-- options]`: this engine's wasm kernels and onnxruntime-web in Chromium (a
// cross-origin isolated page, so both can use threads), on the weights and input of `npm run bench`. Each
// configuration runs in a fresh browser. Chromium: CHROMIUM_PATH or /usr/bin/chromium (Debian's package).
//   --model tiny|base|large|atto|PATH/config.json  --batches 1,8  --threads 1,2  --runs 10  --rounds 1  --peers  --json
//   --dtype int8|f16|bf16[,...]  rows for the same weights in those dtypes besides float32 (with --peers,
//                                onnxruntime-web on the int8 graph too), as in `npm run bench`
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { chromiumExecutable, startStaticServer } from "../tools/browser.mjs";
import { flopsPerImage } from "./flops.mjs";
import { benchModel, benchOptions, dtypeDir, ensurePeers, modelDir, onnxFile } from "./setup.mjs";
import { logitsWarnings, medianOfRounds, ratioText, resultRow, resultTable } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const { opt, flag, list } = benchOptions(process.argv.slice(2));
const json = flag("json");
const log = (...a) => (json ? console.error(...a) : console.log(...a));
const { configFile, config, name, size } = benchModel(opt("model", "tiny"));
const runs = Number(opt("runs", "10"));
const peers = flag("peers") && config.model_type !== "convnextv2"; // the ONNX export covers V1
const dir = modelDir(configFile, name);
const dtypes = ["f32", ...list("dtype", "").filter((d) => d !== "f32")];
const peerDtypes = peers ? dtypes.filter((d) => d === "f32" || d === "int8") : []; // onnxruntime's wasm kernels
if (peers) ensurePeers();
for (const d of peerDtypes) onnxFile(dtypeDir(dir, d), size);
// each dtype's model directory, relative to bench/out (the page reads it from there)
const modelPath = (d) => relative(join(root, "bench"), dtypeDir(dir, d)).replace(/^out\//, "");

const executable = chromiumExecutable();
if (!executable) throw new Error("no Chromium: install Debian's chromium or set CHROMIUM_PATH");
const server = await startStaticServer(root, ["dist/", "bench/", "node_modules/onnxruntime-web/"]);
const page = `${server.origin}/isolated/bench/browser-page.mjs`;

const flops = flopsPerImage(config, size).total;
// as in bench/run.mjs: the systems at one thread count and batch back to back, --rounds N times over, each
// row the median of its rounds' medians
const jobs = [];
for (const threads of list("threads", "1,2").map(Number)) {
  for (const batch of list("batches", "1,8").map(Number)) {
    for (const dtype of dtypes) {
      jobs.push({ runner: "runOurs", threads, batch, dtype });
      if (peerDtypes.includes(dtype)) jobs.push({ runner: "runOrt", threads, batch, dtype });
    }
  }
}
const rounds = Number(opt("rounds", "1"));
const byJob = jobs.map(() => []);
let version = "";
for (let round = 0; round < rounds; round++) {
  for (const [i, { runner, threads, batch, dtype }] of jobs.entries()) {
    const browser = await chromium.launch({ executablePath: executable, args: ["--no-sandbox"] });
    try {
      const tab = await browser.newPage();
      version ||= browser.version();
      await tab.goto(`${server.origin}/isolated/`);
      const options = { model: modelPath(dtype), threads, batch, runs, size };
      const r = await tab.evaluate(`import("${page}").then((m) => m.${runner}(${JSON.stringify(options)}))`);
      byJob[i].push({ ...r, dtype });
      log(`  ${r.system} ${r.backend} ${dtype} ${r.threads}t b${batch}: ${r.ms_per_image_median.toFixed(1)} ms/img`);
    } finally {
      await browser.close();
    }
  }
}
const results = byJob.map((rs) => {
  const r = medianOfRounds(rs);
  return { ...r, gflops: flops / 1e6 / r.ms_per_image_median };
});
await server.close();

for (const w of logitsWarnings(results, dtypes)) log(`  ${w}`);
const rows = results.map(resultRow);
if (json) {
  const date = new Date().toISOString();
  console.log(JSON.stringify({ model: name, browser: `Chromium ${version}`, date, results: rows }, null, 1));
} else {
  log(`\n${name} in Chromium ${version}, ${runs} timed runs after 2 warm-ups, ${rounds} round(s)\n`);
  log(resultTable(rows));
  const isOurs = (r) => r.system.startsWith("convnext");
  const like = (p, dtype) => (r) => isOurs(r) && r.threads === p.threads && r.batch === p.batch && r.dtype === dtype;
  const dtypeRows = rows.filter((r) => isOurs(r) && r.dtype !== "f32");
  if (dtypeRows.length) log("\nOur time per dtype / our float32 time (< 1 means faster):\n");
  for (const r of dtypeRows) {
    const f = rows.find(like(r, "f32"));
    log(`- ${r.dtype}, ${r.backend}, ${r.threads} thread(s), batch ${r.batch}: ${ratioText(r, f)}`);
  }
  const peerRows = rows.filter((r) => !isOurs(r));
  if (peerRows.length) log("\nRatios (peer ms/img median / ours in the same dtype; > 1 means we are faster):\n");
  for (const p of peerRows) {
    const o = rows.find(like(p, p.dtype));
    log(`- ${p.system} ${p.dtype}, ${p.threads} thread(s), batch ${p.batch}: ${ratioText(p, o)}`);
  }
}
