// One measurement of a peer engine on the same weights (as ONNX) and the same input, in its own process:
//   node bench/peer.mjs onnxruntime-node|onnxruntime-web MODEL.onnx THREADS BATCH RUNS SIZE [DTYPE]
// (DTYPE labels the row: f32, or int8 for a graph quantized as quantize_dynamic does, bench/onnx-export.mjs)
import { readFileSync } from "node:fs";
import { benchInput, summarize } from "./timing.mjs";

const [peer, file, threadsText, batchText, runsText, sizeText, dtype = "f32"] = process.argv.slice(2);
const threads = Number(threadsText);
const batch = Number(batchText);
const runs = Number(runsText);
const size = Number(sizeText);

const ort = peer === "onnxruntime-node" ? await import("onnxruntime-node") : await import("onnxruntime-web");
let options;
if (peer === "onnxruntime-node") {
  options = { executionProviders: ["cpu"], intraOpNumThreads: threads, interOpNumThreads: 1 };
} else {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  options = { executionProviders: ["wasm"] };
}
const version = JSON.parse(
  readFileSync(new URL(`../node_modules/${peer}/package.json`, import.meta.url), "utf8"),
).version;
const t0 = performance.now();
const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(file)), {
  ...options,
  graphOptimizationLevel: "all",
});
const loadMs = performance.now() - t0;
const input = new ort.Tensor("float32", benchInput(batch, size), [batch, 3, size, size]);
const feeds = { pixel_values: input };
let logits = (await session.run(feeds)).logits.data;
await session.run(feeds);
const times = [];
for (let r = 0; r < runs; r++) {
  const t = performance.now();
  logits = (await session.run(feeds)).logits.data;
  times.push((performance.now() - t) / batch);
}
const s = summarize(times);
console.log(
  JSON.stringify({
    system: `${peer} ${version}`,
    backend: peer === "onnxruntime-node" ? "native cpu" : "wasm simd",
    dtype,
    threads,
    batch,
    ms_per_image_median: s.median,
    ms_per_image_min: s.min,
    gflops: 0,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    load_ms: loadMs,
    runs,
    logits_head: Array.from(logits.slice(0, 8)),
  }),
);
await session.release?.();
process.exit(0);
