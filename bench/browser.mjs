// `npm run bench:browser [-- options]`: this engine's wasm kernels and onnxruntime-web in Chromium (a
// cross-origin isolated page, so both can use threads), on the weights and input of `npm run bench`. Each
// configuration runs in a fresh browser. Chromium: CHROMIUM_PATH or /usr/bin/chromium (Debian's package).
//   --model tiny|base|large|atto|PATH/config.json  --batches 1,8  --threads 1,2  --runs 10  --rounds 1  --peers  --json
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { chromiumExecutable, startStaticServer } from "../tools/browser.mjs";
import { flopsPerImage } from "./flops.mjs";
import { benchModel, benchOptions, ensurePeers, modelDir, onnxFile } from "./setup.mjs";
import { medianOfRounds, resultRow, resultTable } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const { opt, flag, list } = benchOptions(process.argv.slice(2));
const json = flag("json");
const log = (...a) => (json ? console.error(...a) : console.log(...a));
const { configFile, config, name, size } = benchModel(opt("model", "tiny"));
const runs = Number(opt("runs", "10"));
const peers = flag("peers") && config.model_type !== "convnextv2"; // the ONNX export covers V1
const dir = modelDir(configFile, name);
if (peers) {
  ensurePeers();
  onnxFile(dir, size);
}

const executable = chromiumExecutable();
if (!executable) throw new Error("no Chromium: install Debian's chromium or set CHROMIUM_PATH");
const server = await startStaticServer(root, ["dist/", "bench/", "node_modules/onnxruntime-web/"]);
const page = `${server.origin}/isolated/bench/browser-page.mjs`;
const modelPath = relative(join(root, "bench"), dir).replace(/^out\//, "");

const flops = flopsPerImage(config, size).total;
// as in bench/run.mjs: the systems at one thread count and batch back to back, --rounds N times over, each
// row the median of its rounds' medians
const jobs = [];
for (const threads of list("threads", "1,2").map(Number)) {
  for (const batch of list("batches", "1,8").map(Number)) {
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
      log(`  ${r.system} ${r.backend} ${r.threads}t b${batch}: ${r.ms_per_image_median.toFixed(1)} ms/img`);
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

const ours = results.find((r) => r.system.startsWith("convnext"));
for (const r of results) {
  const d = Math.max(...r.logits_head.map((v, i) => Math.abs(v - ours.logits_head[i])));
  if (d > 1e-3) log(`  WARNING: ${r.system} logits differ from ours by ${d}`);
}
const rows = results.map(resultRow);
if (json) {
  const date = new Date().toISOString();
  console.log(JSON.stringify({ model: name, browser: `Chromium ${version}`, date, results: rows }, null, 1));
} else {
  log(`\n${name} in Chromium ${version}, ${runs} timed runs after 2 warm-ups, ${rounds} round(s)\n`);
  log(resultTable(rows));
  for (const p of rows.filter((r) => !r.system.startsWith("convnext"))) {
    const o = rows.find((r) => r.system.startsWith("convnext") && r.threads === p.threads && r.batch === p.batch);
    if (o)
      log(
        `- ${p.system}, ${p.threads} thread(s), batch ${p.batch}: ${(p.ms_per_image_median / o.ms_per_image_median).toFixed(2)}x`,
      );
  }
}
