// One measurement of a training step of this engine, in its own process (so peak RSS belongs to it alone):
//   node bench/train-step.mjs DIR BACKEND THREADS BATCH RUNS [--profile]   -> one JSON line on stdout
// Times model.forward (inference) and a training step (forward keeping the tape, backward, AdamW) on the
// same batch; --profile adds the time of each training kernel (one more step).
import { readFileSync } from "node:fs";
import {
  AdamW,
  configureBackend,
  ConvNextForImageClassification,
  Tensor,
  trainingKernels,
  trainStep,
  wasmRelaxedSimd,
} from "../dist/index.js";
import { benchInput, summarize } from "./timing.mjs";

const [dir, backend, threadsText, batchText, runsText] = process.argv.slice(2);
const profile = process.argv.includes("--profile");
const threads = Number(threadsText);
const batch = Number(batchText);
const runs = Number(runsText);
configureBackend({ backend, threads });
const config = JSON.parse(readFileSync(`${dir}/config.json`, "utf8"));
const size = config.image_size ?? 224;

const model = await ConvNextForImageClassification.fromPretrained(dir);
for (const [, p] of model.namedParameters()) p.data = p.data.slice();
const x = new Tensor(benchInput(batch, size), [batch, 3, size, size]);
const labels = Int32Array.from({ length: batch }, (_, i) => i % config.num_labels || i % 1000);

const time = (fn) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / batch;
};
model.forward(x); // warm-up
const forward = [];
for (let r = 0; r < runs; r++) forward.push(time(() => model.forward(x)));

const kernels = trainingKernels();
const optimizer = new AdamW(model.namedParameters(), { lr: 1e-4, weightDecay: 0.05 });
const losses = [trainStep(model, x, labels, optimizer, { kernels })]; // warm-up
const step = [];
for (let r = 0; r < runs; r++) step.push(time(() => losses.push(trainStep(model, x, labels, optimizer, { kernels }))));

let breakdown;
if (profile) {
  // each kernel timed on its own (the rest is src/train's TypeScript: LayerNorm, GRN, layouts, AdamW)
  const timed = {};
  const wrapped = Object.fromEntries(
    Object.entries(kernels).map(([k, fn]) => [
      k,
      typeof fn !== "function"
        ? fn
        : (...a) => {
            const t = performance.now();
            const result = fn(...a);
            timed[k] = (timed[k] ?? 0) + performance.now() - t;
            return result;
          },
    ]),
  );
  const total = time(() => trainStep(model, x, labels, optimizer, { kernels: wrapped })) * batch;
  timed.other = total - Object.values(timed).reduce((a, b) => a + b, 0);
  breakdown = Object.fromEntries(Object.entries(timed).map(([k, v]) => [k, +(v / batch).toFixed(1)]));
}
const f = summarize(forward);
const s = summarize(step);
console.log(
  JSON.stringify({
    system: "convnext (this package)",
    backend: backend === "wasm" && wasmRelaxedSimd() ? "wasm-relaxed" : backend,
    threads,
    batch,
    forward_ms_per_image: f.median,
    step_ms_per_image: s.median,
    step_ms_per_image_min: s.min,
    step_over_forward: s.median / f.median,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    runs,
    losses,
    ...(breakdown ? { breakdown_ms_per_image: breakdown } : {}),
  }),
);
process.exit(0);
