// The classifier head alone at batch 1: the reference kernel against the wasm GEMM the engine uses for it.
//   npm run build && node bench/head.mjs [inFeatures] [outFeatures]   (default 768 21841: an ImageNet-22k head)
import { configureBackend, disposeBackends, Tensor } from "../dist/index.js";
import { fastLinear } from "../dist/backend/features.js";
import { Linear } from "../dist/model/layers.js";

const K = Number(process.argv[2] ?? 768);
const M = Number(process.argv[3] ?? 21841);
const head = new Linear(K, M);
head.weight.data = Float32Array.from({ length: M * K }, (_, i) => Math.cos(i) / Math.sqrt(K));
head.bias.data = Float32Array.from({ length: M }, (_, i) => Math.sin(i) / 10);
const x = new Tensor(
  Float32Array.from({ length: K }, (_, i) => Math.sin(i)),
  [1, K],
);
const minMs = (fn) => {
  fn();
  let best = Infinity;
  for (let r = 0; r < 10; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best.toFixed(2);
};
const rows = [`reference ${minMs(() => head.forward(x))} ms`];
for (const threads of [1, 2]) {
  configureBackend({ backend: "wasm", threads });
  rows.push(`wasm ${threads}t ${minMs(() => fastLinear(head, x))} ms`);
}
console.log(`classifier ${K} -> ${M}, batch 1, min of 10: ${rows.join(", ")}`);
disposeBackends();
