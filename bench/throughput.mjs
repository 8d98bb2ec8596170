// `npm run bench:throughput [-- options]`: images per second of the classification pipeline, decode
// included, on real photos (the 40 of test/fixtures/preprocess-photos: 24 PNG, 16 JPEG, up to 1024 px),
// cycled to --images N, with the facebook/convnext-tiny-224 preprocessor and generated weights. Two ways:
//   worker     decoding on a worker thread, overlapping the forward pass (what the CLI does)
//   in-thread  decoding on the calling thread between batches (the core's default)
// and, for the worker, how much of the decoding ran during forward passes.
//   --model tiny|atto  --images 200  --batch-size 8  --threads 2  --backend wasm  --modes worker,in-thread
import { copyFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchModel, benchOptions, modelDir } from "./setup.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const { opt, list } = benchOptions(process.argv.slice(2));
const { configFile, name } = benchModel(opt("model", "tiny"));
const count = Number(opt("images", "200"));
const batchSize = Number(opt("batch-size", "8"));
const threads = Number(opt("threads", "2"));
const backend = opt("backend", "wasm");
const modes = list("modes", "worker,in-thread");

const dir = modelDir(configFile, name);
const photos = join(root, "test/fixtures/preprocess-photos/config-224-bicubic");
copyFileSync(join(photos, "preprocessor_config.json"), join(dir, "preprocessor_config.json"));
const index = JSON.parse(readFileSync(join(photos, "index.json"), "utf8"));
const files = index.images.map((e) => join(root, "test/fixtures/images", e.path));
const inputs = Array.from({ length: count }, (_, i) => files[i % files.length]);

const lib = await import(join(root, "dist/index.js"));
const { overlap } = await import(join(root, "dist/cli/pipeline-run.js"));
lib.configureBackend({ backend, threads });
const classifier = await lib.ImageClassifier.fromPretrained(dir);
await classifier.classify(inputs.slice(0, batchSize), { batchSize }); // warm-up: plans, workspaces, JIT

const sum = (intervals) => intervals.reduce((t, [a, b]) => t + (b - a), 0);
console.log(
  `${name}, ${count} images (${files.length} photos cycled), batch ${batchSize}, ${lib.getBackend()?.kernels ?? "reference"} ` +
    `${threads} threads, node ${process.version}`,
);
for (const mode of modes) {
  const preparer = mode === "worker" ? lib.decodeWorker() : lib.inThreadPreparer;
  const forward = [];
  const start = performance.now();
  const results = await classifier.classify(inputs, {
    batchSize,
    preparer,
    onForward: (_n, a, b) => forward.push([a, b]),
  });
  const seconds = (performance.now() - start) / 1000;
  const failed = results.filter((r) => r.error !== undefined).length;
  if (failed) throw new Error(`${failed} images failed: ${results.find((r) => r.error).error}`);
  let line = `${mode.padEnd(9)}  ${(count / seconds).toFixed(2)} images/s (${((1000 * seconds) / count).toFixed(1)} ms/image; forward ${(sum(forward) / count).toFixed(1)} ms/image`;
  if (mode === "worker") {
    const busy = preparer.stats.busy;
    line += `, decoding ${(sum(busy) / count).toFixed(1)} ms/image on the worker, ${(overlap(busy, forward) / count).toFixed(1)} of it during forward passes`;
    await preparer.dispose();
  }
  console.log(line + ")");
}
