// Kernel-level timings: the pointwise GEMMs and the 7x7 depthwise conv of convnext-tiny-224 at batch 1,
// alone, on one backend and thread count (what the per-op numbers in bench/RESULTS.md were tuned with).
//   npm run build && node bench/kernels.mjs [wasm|js] [threads] [--dtypes f32,f16,int8] [--cpu] [--downsampling]
// --dtypes: the GEMMs with float32, float16 (gemm16) and int8 (gemmInt8) weights, interleaved shape by
// shape (each round runs every dtype once), so a busy host slows them alike; --cpu: process CPU time
// instead of wall time (with one thread, time spent waiting for a core does not count); --downsampling: the
// GEMMs of the downsampling convs (2 x 2 patches, K = 4 Cin, bias only) instead of the pointwise ones, e.g. to
// see what int8 weights would bring there (docs/QUANTIZATION.md: the int8 format keeps them float32).
// Pin to one core for steadier numbers: taskset -c 0 node bench/kernels.mjs wasm 1
import { Backend } from "../dist/backend/backend.js";
import { dwconvScratchFloats, gemmInt8PackBytes, gemmMinChunk, gemmPackBytes } from "../dist/backend/workspace.js";
import { GEMM_WEIGHTS_F16 } from "../dist/backend/kernel-constants.generated.js";
import { quantizeWeights } from "../dist/ops/quantize.js";
import { narrow16 } from "../dist/tensor/narrow16.js";
import "../dist/node/backend-env.js";

const argv = process.argv.slice(2);
const name = argv[0] && !argv[0].startsWith("--") ? argv[0] : "wasm";
const threads = Number(argv[1] && !argv[1].startsWith("--") ? argv[1] : 1);
const dtypes = argv.includes("--dtypes") ? argv[argv.indexOf("--dtypes") + 1].split(",") : null;
const clock = argv.includes("--cpu")
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    }
  : () => performance.now();
const runs = name === "js" ? 5 : 20;
const backend = new Backend(name, threads);
const heap = backend.heap;

const fill = (offset, n, f) => {
  for (let i = 0; i < n; i++) heap.f32[(offset >> 2) + i] = f(i);
};
const minMs = (fn) => {
  fn(); // warm-up: tier-up, first touch of the memory
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = clock();
    fn();
    best = Math.min(best, clock() - t);
  }
  return best;
};

// [M, K, H x W, mode, blocks]: pwconv1 (GELU, mode 1) and pwconv2 (gamma-scaled residual, mode 2) per stage
const POINTWISE = [
  [384, 96, 56 * 56, 1, 3],
  [96, 384, 56 * 56, 2, 3],
  [768, 192, 28 * 28, 1, 3],
  [192, 768, 28 * 28, 2, 3],
  [1536, 384, 14 * 14, 1, 9],
  [384, 1536, 14 * 14, 2, 9],
  [3072, 768, 7 * 7, 1, 3],
  [768, 3072, 7 * 7, 2, 3],
];
// the downsampling convs before stages 2-4 (bias only, mode 0), once each
const DOWNSAMPLING = [
  [192, 4 * 96, 28 * 28, 0, 1],
  [384, 4 * 192, 14 * 14, 0, 1],
  [768, 4 * 384, 7 * 7, 0, 1],
];
const [GEMMS, gemmsName] = argv.includes("--downsampling")
  ? [DOWNSAMPLING, "downsampling GEMMs"]
  : [POINTWISE, "pointwise GEMMs"];
console.log(`${name}, ${threads} thread(s), min of ${runs} runs${argv.includes("--cpu") ? " (CPU time)" : ""}`);
if (dtypes) {
  compareDtypes();
  backend.dispose();
  process.exit(0);
}
let perImage = 0;
for (const [M, K, HW, mode, blocks] of GEMMS) {
  const P = Math.ceil(HW / 8) * 8;
  const [w, x, out, bias, gamma] = [M * K, K * P, M * P, M, M].map((n) => heap.alloc(n));
  const pack = heap.alloc((gemmPackBytes(K) / 4) * threads);
  fill(w, M * K, (i) => Math.sin(i) / Math.sqrt(K));
  fill(x, K * P, (i) => Math.cos(i));
  fill(out, M * P, () => 0);
  const args = [out, w, x, bias, gamma, M, K, P, 1, mode, pack, gemmPackBytes(K), HW];
  const ms = minMs(() => backend.run("gemm", args, M, 4, gemmMinChunk(1, M, threads)));
  perImage += ms * blocks;
  const gflops = (2 * M * K * HW) / ms / 1e6;
  console.log(`gemm M ${M} K ${K} pixels ${HW} mode ${mode}: ${ms.toFixed(2)} ms, ${gflops.toFixed(1)} GFLOP/s`);
  for (const offset of [w, x, out, bias, gamma, pack]) heap.free(offset);
}
console.log(`${gemmsName} per image (x blocks): ${perImage.toFixed(1)} ms`);

perImage = 0;
for (const [C, H, blocks] of [
  [96, 56, 3],
  [192, 28, 3],
  [384, 14, 9],
  [768, 7, 3],
]) {
  const P = Math.ceil((H * H) / 8) * 8;
  const scratchBytes = Math.ceil((dwconvScratchFloats(H, H, 3) * 4) / 64) * 64;
  const [x, out, w, bias] = [C * P, C * P, C * 49, C].map((n) => heap.alloc(n));
  const scratch = heap.alloc((scratchBytes / 4) * threads);
  fill(x, C * P, (i) => Math.sin(i));
  fill(w, C * 49, (i) => Math.cos(i));
  const args = [out, x, w, bias, C, H, H, P, 7, 3, scratch, scratchBytes];
  const ms = minMs(() => backend.run("dwconv", args, C, 1));
  perImage += ms * blocks;
  console.log(`dwconv 7x7 C ${C} ${H}x${H}: ${ms.toFixed(3)} ms, ${((98 * C * H * H) / ms / 1e6).toFixed(1)} GFLOP/s`);
  for (const offset of [x, out, w, bias, scratch]) heap.free(offset);
}
console.log(`depthwise convs per image (x blocks): ${perImage.toFixed(1)} ms`);
backend.dispose();

/** The GEMMs with each dtype's weights, interleaved: every round runs each dtype once, per shape. */
function compareDtypes() {
  const totals = Object.fromEntries(dtypes.map((d) => [d, 0]));
  for (const [M, K, HW, mode, blocks] of GEMMS) {
    const P = Math.ceil(HW / 8) * 8;
    const w = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i) / Math.sqrt(K));
    const { values, scales } = quantizeWeights(w, M, K);
    const bits = narrow16(w, "F16");
    const packBytes = Math.max(gemmPackBytes(K), gemmInt8PackBytes(K));
    const sizes = [M * K, (M * K) / 2, Math.ceil((M * K) / 4), M, K * P, M * P, M, M, (packBytes / 4) * threads];
    const [wf, wh, wq, ws, x, out, bias, gamma, pack] = sizes.map((n) => heap.alloc(n));
    heap.f32.set(w, wf >> 2);
    new Uint16Array(heap.memory.buffer).set(bits, wh >> 1);
    new Int8Array(heap.memory.buffer).set(values, wq);
    heap.f32.set(scales, ws >> 2);
    fill(x, K * P, (i) => Math.cos(i));
    fill(gamma, M, () => 0.5);
    const rest = [M, K, P, 1];
    const tail = [pack, packBytes, HW];
    const chunk = gemmMinChunk(1, M, threads);
    const kernels = {
      f32: () => backend.run("gemm", [out, wf, x, bias, gamma, ...rest, mode, ...tail], M, 4, chunk),
      f16: () => backend.run("gemm16", [out, wh, x, bias, gamma, ...rest, mode | GEMM_WEIGHTS_F16, ...tail], M, 4, chunk), // prettier-ignore
      int8: () => backend.run("gemmInt8", [out, wq, ws, x, bias, gamma, ...rest, mode, ...tail], M, 4, chunk),
    };
    const best = Object.fromEntries(dtypes.map((d) => [d, Infinity]));
    for (const d of dtypes) kernels[d]();
    for (let r = 0; r < runs; r++) {
      for (const d of dtypes) {
        const t = clock();
        kernels[d]();
        best[d] = Math.min(best[d], clock() - t);
      }
    }
    for (const d of dtypes) totals[d] += best[d] * blocks;
    const cells = dtypes.map((d) => `${d} ${best[d].toFixed(2)} ms`).join(", ");
    console.log(`gemm M ${M} K ${K} pixels ${HW} mode ${mode}: ${cells}`);
    for (const offset of [wf, wh, wq, ws, x, out, bias, gamma, pack]) heap.free(offset);
  }
  const cells = dtypes.map((d) => `${d} ${totals[d].toFixed(1)} ms (${(totals[d] / totals[dtypes[0]]).toFixed(2)}x)`);
  console.log(`${gemmsName} per image (x blocks): ${cells.join(", ")}`);
}
