// The first classification in Chromium, as a visitor of the demo page meets it: `npm run demo`'s server with a
// model directory (offered to the page as a local hub), a fresh browser profile ("cold": the model downloaded,
// stored in the Cache API, compiled, run), then the same profile after a browser restart ("from cache"). For each:
// from navigation to the model ready in the Worker, plus the first image's classification (decode, preprocess,
// forward, postprocess, measured from the moment the image was handed to the page). The library is served as
// esbuild bundles it for an app (`npm run demo -- --bundle`); --modules serves dist/ as native modules instead.
//   node bench/first-classification.mjs [--model tiny|atto|DIR] [--image PATH] [--rounds 3] [--modules] [--json]
// (`npm run build` first.) --model tiny: convnext-tiny-224 with generated weights (bench/out/convnext-tiny-224,
// 110 MB) and its preprocessor_config.json, the one of facebook/convnext-tiny-224.
/* global document, window */ // in the page callbacks
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startDemoServer } from "../examples/web/serve.mjs";
import { chromiumExecutable } from "../tools/browser.mjs";
import { benchModel, benchOptions, modelDir } from "./setup.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { opt, flag } = benchOptions(process.argv.slice(2));
const json = flag("json");
const log = (...a) => (json ? console.error(...a) : console.log(...a));
const rounds = Number(opt("rounds", "3"));
const image = resolve(opt("image", join(root, "examples/cats.png")));
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]; // prettier-ignore

function modelDirectory(arg) {
  if (existsSync(arg) && !arg.endsWith(".json")) return resolve(arg);
  const { configFile, name } = benchModel(arg);
  const dir = modelDir(configFile, name);
  const processor = join(dir, "preprocessor_config.json");
  if (!existsSync(processor)) copyFileSync(join(root, "examples/model/preprocessor_config.json"), processor);
  return dir;
}

/** One visit: navigation -> model ready -> the image chosen -> its result. Times in ms. */
async function visit(context, url) {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => ["ready", "error"].includes(document.getElementById("status").dataset.state), null, { timeout: 600_000 }); // prettier-ignore
    await page.setInputFiles('[data-testid="image-input"]', image);
    await page.waitForFunction(() => ["done", "error"].includes(document.getElementById("status").dataset.state), null, { timeout: 600_000 }); // prettier-ignore
    const state = await page.$eval("#status", (el) => [el.dataset.state, el.textContent]);
    if (state[0] !== "done") throw new Error(`the demo page says: ${state[1]}`);
    const m = await page.evaluate(() => window.convnextDemo);
    const classify = m.firstResult - m.firstClassifyStart;
    return {
      coreLoaded: m.loadStart,
      modelReady: m.modelReady,
      classify,
      firstClassification: m.modelReady + classify,
      ...Object.fromEntries(Object.entries(m.firstTimings).map(([k, v]) => [`step_${k}`, v])),
      kernels: m.info.kernels,
      threads: m.info.threads,
      download: await page.textContent("#download-text"),
    };
  } finally {
    await page.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const executable = chromiumExecutable();
if (!executable) throw new Error("no Chromium: install Debian's chromium or set CHROMIUM_PATH");
const dir = modelDirectory(opt("model", "tiny"));
const bundle = !flag("modules");
const demo = await startDemoServer({ model: dir, port: 0, bundle });
const runs = { cold: [], cached: [] };
let version = "";
try {
  for (let round = 0; round < rounds; round++) {
    const profile = mkdtempSync(join(tmpdir(), "convnext-first-"));
    try {
      for (const kind of ["cold", "cached"]) {
        // a browser of its own per visit: "cached" is a returning visitor after a restart (Cache API, HTTP cache)
        const context = await chromium.launchPersistentContext(profile, { executablePath: executable, args: ARGS });
        version ||= context.browser()?.version() ?? "";
        try {
          const r = await visit(context, demo.url);
          runs[kind].push(r);
          log(`round ${round + 1} ${kind}: core imported ${r.coreLoaded.toFixed(0)} ms, model ready ${r.modelReady.toFixed(0)} ms, first image ${r.classify.toFixed(0)} ms (forward ${r.step_forward.toFixed(0)} ms), total ${r.firstClassification.toFixed(0)} ms; ${r.download}`); // prettier-ignore
        } finally {
          await context.close();
        }
      }
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  }
} finally {
  await demo.close();
}

const summary = Object.fromEntries(
  Object.entries(runs).map(([kind, rs]) => [
    kind,
    Object.fromEntries(
      ["modelReady", "classify", "firstClassification", "step_read", "step_decode", "step_preprocess", "step_forward"].map((k) => [k, median(rs.map((r) => r[k]))]), // prettier-ignore
    ),
  ]),
);
const meta = { model: dir, image, served: bundle ? "esbuild bundle" : "native modules", chromium: version, kernels: runs.cold[0].kernels, threads: runs.cold[0].threads, rounds }; // prettier-ignore
if (json) console.log(JSON.stringify({ ...meta, summary, runs }, null, 2));
else {
  console.log(`\n${meta.model} in Chromium ${version} (${meta.kernels}, ${meta.threads} threads; the library as ${meta.served}), image ${image}; median of ${rounds} round(s), ms:`); // prettier-ignore
  console.log("| visit | model ready (from navigation) | first image (decode + preprocess + forward) | first classification |"); // prettier-ignore
  console.log("|---|---|---|---|");
  for (const [kind, s] of Object.entries(summary)) {
    console.log(`| ${kind === "cold" ? "cold (download)" : "from cache (after a restart)"} | ${s.modelReady.toFixed(0)} | ${s.classify.toFixed(0)} (forward ${s.step_forward.toFixed(0)}) | ${s.firstClassification.toFixed(0)} |`); // prettier-ignore
  }
}
