// One measurement of this engine (run in its own process so peak RSS and threads belong to it alone):
//   node bench/ours.mjs DIR BACKEND THREADS BATCH RUNS [DTYPE] [PROFILE_PASSES]   -> one JSON line on stdout
// PROFILE_PASSES (default 1): the per-op breakdown keeps each kernel call's least time over that many passes,
// which takes most of a shared host's noise out of a comparison of ops or thread counts.
// The weights are used in the dtype DIR holds them in (fromPretrained's dtype "auto"); DTYPE labels the row.
import { readFileSync } from "node:fs";
import { configureBackend, ConvNextForImageClassification, Tensor, wasmRelaxedSimd } from "../dist/index.js";
import { flopsPerImage } from "./flops.mjs";
import { benchInput, summarize } from "./timing.mjs";

const [dir, backend, threadsText, batchText, runsText, dtype = "f32", passesText = "1"] = process.argv.slice(2);
const threads = Number(threadsText);
const batch = Number(batchText);
const runs = Number(runsText);
configureBackend({ backend, threads });
const config = JSON.parse(readFileSync(`${dir}/config.json`, "utf8"));
const size = config.image_size ?? 224;

const t0 = performance.now();
const model = await ConvNextForImageClassification.fromPretrained(dir, { dtype: "auto" });
const loadMs = performance.now() - t0;
const x = new Tensor(benchInput(batch, size), [batch, 3, size, size]);

// warm-up: workspaces, weight upload, wasm tier-up
const logitsHead = Array.from(model.forward(x).logits.data.slice(0, 8));
model.forward(x);
const times = [];
for (let r = 0; r < runs; r++) {
  const t = performance.now();
  model.forward(x);
  times.push((performance.now() - t) / batch);
}
// more passes with per-op timers, kept out of the timed runs: the program's kernel calls, timed one by one
// (the least of PROFILE_PASSES kept per call), grouped by op label
const plan = model.plan(x.shape);
const program = model.program(model.executorFor(plan), plan);
const callMs = program.calls.map(() => Infinity);
for (let pass = 0; pass < Number(passesText); pass++) {
  program.setInput(x);
  program.calls.forEach((call, i) => {
    const t = performance.now();
    call.run({ random: Math.random });
    callMs[i] = Math.min(callMs[i], performance.now() - t);
  });
  program.outputs();
}
const perOp = new Map();
program.calls.forEach((call, i) => {
  const op = call.op === "residual copy" ? "pwconv2+scale+residual" : call.op;
  perOp.set(op, (perOp.get(op) ?? 0) + callMs[i]);
});
const breakdown = Object.fromEntries([...perOp].map(([k, v]) => [k, v / batch]));
const { total: flops, ops } = flopsPerImage(config, size);
const s = summarize(times);
console.log(
  JSON.stringify({
    system: "convnext (this package)",
    // the relaxed-SIMD build runs where the engine validates it (Node 20: --experimental-wasm-relaxed-simd)
    backend: backend === "wasm" && wasmRelaxedSimd() ? "wasm-relaxed" : backend,
    dtype,
    threads,
    batch,
    ms_per_image_median: s.median,
    ms_per_image_min: s.min,
    gflops: flops / 1e6 / s.median,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    load_ms: loadMs,
    runs,
    logits_head: logitsHead,
    breakdown_ms_per_image: breakdown,
    op_gflops: Object.fromEntries(
      Object.entries(breakdown)
        .filter(([k]) => ops[k] > 0)
        .map(([k, v]) => [k, ops[k] / 1e6 / v]),
    ),
  }),
);
process.exit(0);
