// Every fast kernel (pure TS and wasm SIMD, 1 and 2 threads) against its reference twin in src/ops, on
// odd shapes (1, 7, 42, 97 channels; non-square; batch 3; stride 2), with a normalized error:
// max|fast - ref| / max(1, max|ref|).
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node/backend-env.js";
import { Backend } from "../../src/backend/backend.js";
import { fastOps } from "../../src/backend/fast-ops.js";
import { geluScalar } from "../../src/backend/js/kernels.js";
import { KERNEL_CONSTANTS } from "../../src/backend/kernel-constants.generated.js";
import { gelu } from "../../src/ops/activations.js";
import { depthwiseConv2d } from "../../src/ops/depthwise-conv.js";
import { globalResponseNorm } from "../../src/ops/grn.js";
import { layerNormChannelsFirst } from "../../src/ops/layer-norm.js";
import { linear } from "../../src/ops/linear.js";
import { conv2d } from "../../src/ops/conv2d.js";
import { convOutputSize } from "../../src/ops/conv-geometry.js";
import { mulberry32 } from "../../src/ops/drop-path.js";

const backends = [new Backend("js", 1), new Backend("js", 2), new Backend("wasm", 1), new Backend("wasm", 2)];
afterAll(() => backends.forEach((b) => b.dispose()));

const random = mulberry32(7);
const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

function normalizedError(a: Float32Array, e: Float32Array): number {
  let diff = 0;
  let max = 1;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - e[i]));
    max = Math.max(max, Math.abs(e[i]));
  }
  expect(a.every(Number.isFinite)).toBe(true);
  return diff / max;
}

const CHANNELS = [1, 7, 42, 97];

describe.each(backends.map((b) => [`${b.name}/${b.threads}`, b] as const))("fast kernels: %s", (_label, backend) => {
  const ops = fastOps(backend);

  it.each(CHANNELS)("pointwise GEMM (linear) with %i input channels", (K) => {
    for (const [M, N] of [
      [35, 97],
      [3, 1],
      [130, 42],
      [33, 5], // the last strip of pixels holds 1 or 2 real ones: the GEMM's split-k tail tile
      [1, 9],
      [18, 4],
    ]) {
      // prettier-ignore
      const x = rand(M * K);
      const w = rand(N * K, 1 / Math.sqrt(K));
      const b = rand(N, 0.1);
      const ref = new Float32Array(M * N);
      const out = new Float32Array(M * N);
      linear(ref, x, w, b, M, K, N);
      ops.linear(out, x, w, b, M, K, N);
      expect(normalizedError(out, ref)).toBeLessThan(1e-6);
      linear(ref, x, w, null, M, K, N);
      ops.linear(out, x, w, null, M, K, N);
      expect(normalizedError(out, ref)).toBeLessThan(1e-6);
    }
  });

  it.each(CHANNELS)("depthwise 7x7, 5x5 and 3x3 with %i channels, batch 3, non-square", (C) => {
    for (const [H, W, k] of [
      [9, 13, 7],
      [1, 1, 7],
      [20, 5, 7],
      [6, 17, 3],
      [11, 4, 5],
      [3, 2, 7],
    ]) {
      // prettier-ignore
      const N = 3;
      const x = rand(N * C * H * W);
      const w = rand(C * k * k, 0.3);
      const b = rand(C, 0.1);
      const ref = new Float32Array(x.length);
      const out = new Float32Array(x.length);
      depthwiseConv2d(ref, x, w, b, N, C, H, W, H, W, k, (k - 1) / 2);
      ops.depthwiseConv2d(out, x, w, b, N, C, H, W, H, W, k, (k - 1) / 2);
      expect(normalizedError(out, ref)).toBeLessThan(1e-6);
    }
  });

  it.each(CHANNELS)("channels-first LayerNorm with %i channels (incl. a constant pixel)", (C) => {
    const [N, HW] = [3, 11 * 7];
    const x = rand(N * C * HW, 3);
    for (let c = 0; c < C; c++) x[c * HW + 5] = 2.5; // pixel 5 of image 0 is constant over channels
    const w = rand(C);
    const b = rand(C, 0.1);
    const ref = new Float32Array(x.length);
    const out = new Float32Array(x.length);
    layerNormChannelsFirst(ref, x, w, b, N, C, HW, 1e-6);
    ops.layerNormChannelsFirst(out, x, w, b, N, C, HW, 1e-6);
    expect(normalizedError(out, ref)).toBeLessThan(2e-6);
  });

  it.each(CHANNELS)("patchify conv (stride 2 and 4, odd sizes) with %i input channels", (Cin) => {
    for (const [H, W, k, Cout] of [
      [9, 13, 2, 42],
      [17, 8, 4, 7],
      [2, 2, 2, 1],
    ]) {
      // prettier-ignore
      const N = 3;
      const x = rand(N * Cin * H * W);
      const w = rand(Cout * Cin * k * k, 1 / Math.sqrt(Cin * k * k));
      const b = rand(Cout, 0.1);
      const [OH, OW] = [Math.floor(H / k), Math.floor(W / k)];
      const ref = new Float32Array(N * Cout * OH * OW);
      const out = new Float32Array(N * Cout * OH * OW);
      conv2d(ref, x, w, b, N, Cin, H, W, Cout, OH, OW, k, k, 0);
      ops.conv2d(out, x, w, b, N, Cin, H, W, Cout, OH, OW, k, k, 0);
      // float32 sums of Cin * k * k products (the reference sums in float64): error grows like sqrt(terms)
      expect(normalizedError(out, ref)).toBeLessThan(1e-7 * Math.sqrt(Cin * k * k) + 5e-7);
    }
  });

  it.each(CHANNELS)("padded strided conv (im2col: timm's overlap stem) with %i input channels", (Cin) => {
    for (const [H, W, k, stride, pad, Cout] of [
      [9, 13, 3, 2, 1, 42], // the overlap stem's conv: odd sizes round up
      [64, 40, 3, 2, 1, 7],
      [1, 1, 3, 2, 1, 5],
      [10, 7, 5, 1, 2, 3],
      [8, 11, 3, 3, 0, 1],
      [5, 6, 4, 2, 3, 2], // padding wider than a stride: whole padded rows and columns
    ]) {
      // prettier-ignore
      const N = 3;
      const x = rand(N * Cin * H * W);
      const w = rand(Cout * Cin * k * k, 1 / Math.sqrt(Cin * k * k));
      const b = rand(Cout, 0.1);
      const [OH, OW] = [convOutputSize(H, k, stride, pad), convOutputSize(W, k, stride, pad)];
      const ref = new Float32Array(N * Cout * OH * OW);
      const out = new Float32Array(N * Cout * OH * OW);
      conv2d(ref, x, w, b, N, Cin, H, W, Cout, OH, OW, k, stride, pad);
      ops.conv2d(out, x, w, b, N, Cin, H, W, Cout, OH, OW, k, stride, pad);
      expect(normalizedError(out, ref)).toBeLessThan(1e-7 * Math.sqrt(Cin * k * k) + 5e-7);
      conv2d(ref, x, w, null, N, Cin, H, W, Cout, OH, OW, k, stride, pad);
      ops.conv2d(out, x, w, null, N, Cin, H, W, Cout, OH, OW, k, stride, pad);
      expect(normalizedError(out, ref)).toBeLessThan(1e-7 * Math.sqrt(Cin * k * k) + 5e-7);
    }
  });

  it.each(CHANNELS)("GRN with %i channels, batch 3", (C) => {
    const [N, HW] = [3, 5 * 9];
    const x = rand(N * HW * C, 2);
    const gamma = rand(C, 0.5);
    const beta = rand(C, 0.1);
    const ref = x.slice();
    const out = x.slice();
    globalResponseNorm(ref, gamma, beta, N, HW, C, new Float64Array(C));
    ops.globalResponseNorm(out, gamma, beta, N, HW, C, new Float64Array(C));
    expect(normalizedError(out, ref)).toBeLessThan(1e-6);
  });
});

/** Distance in float32 units in the last place between a and the float32 rounding of the float64 value e. */
function ulps(a: number, e: number): number {
  const bits = new Int32Array(new Float32Array([a, Math.fround(e)]).buffer);
  // order the bit patterns like the numbers they encode (-0 and +0 coincide)
  const ordered = (i: number) => (i >= 0 ? i : -2147483648 - i);
  return Math.abs(ordered(bits[0]) - ordered(bits[1]));
}

describe("fast GELU vs the exact erf GELU (float64)", () => {
  // dense on [-16, 16] where all the shape is, plus extremes
  const xs: number[] = [0, -0, 400, -400, 1e-30, -1e-30, 3e38, -3e38, 14.4, -14.4, 14.6, -14.6];
  for (let i = -160000; i <= 160000; i++) xs.push(Math.fround(i / 10000));
  for (let i = 0; i < 20000; i++) xs.push(Math.fround((random() * 2 - 1) * 400));
  const x = Float32Array.from(xs);

  /** Worst ulp distance for x >= 0, worst (|error| - 1 ulp) / |x| for x < 0; fails on a wrong sign or extreme. */
  function check(out: Float32Array, name: string): { ulp: number; neg: number } {
    let ulp = 0;
    let neg = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] >= 0) ulp = Math.max(ulp, ulps(out[i], gelu(x[i])));
      else {
        // beyond the float32 rounding of the result (1 ulp), relative to |x|
        const e = gelu(x[i]);
        const unit = e === 0 ? 0 : 2 ** (Math.floor(Math.log2(Math.abs(e))) - 23);
        neg = Math.max(neg, Math.max(0, Math.abs(out[i] - e) - unit) / -x[i]);
        expect(out[i]).toBeLessThanOrEqual(0); // never the wrong sign
      }
    }
    console.log(`${name} GELU: max ${ulp} ulp for x >= 0, max |error| 1 ulp + ${neg.toExponential(2)} |x| for x < 0`);
    // signed like the float64 reference (and PyTorch's 0.5 x (1 + erf(x / sqrt 2))): -400 * 0 = -0
    expect(out[x.indexOf(-400)]).toBe(-0);
    expect(out[x.indexOf(400)]).toBe(400);
    return { ulp, neg };
  }

  // Both compute PyTorch's form x * (1/2 + erf(x / sqrt 2) / 2) with the rational erf of assembly/gelu.ts:
  // where x < 0, 1/2 + erf / 2 cancels and the error of erf / 2 (~1/2) remains, so the bound there is
  // absolute, relative to |x| (PyTorch's own kernel computes the same cancelling sum).
  it("pure TS (float64 formula): <= 1 ulp for x >= 0, <= 1 ulp + 2.5e-8 |x| for x < 0", () => {
    const { ulp, neg } = check(
      Float32Array.from(x, (v) => geluScalar(v, KERNEL_CONSTANTS)),
      "js",
    );
    expect(ulp).toBeLessThanOrEqual(1);
    expect(neg).toBeLessThanOrEqual(2.5e-8); // the largest: the cut below x = -5.49, where Phi = 2.0e-8
  });

  // float32 throughout: the roundings of the two polynomials add a few ulp
  it.each(backends.filter((b) => b.name === "wasm").slice(0, 1))(
    "wasm SIMD (float32 formula): <= 4 ulp for x >= 0, <= 1 ulp + 2.5e-7 |x| for x < 0",
    (b) => {
      const out = new Float32Array(x.length);
      fastOps(b).gelu(out, x, x.length);
      const { ulp, neg } = check(out, "wasm");
      expect(ulp).toBeLessThanOrEqual(4);
      expect(neg).toBeLessThanOrEqual(2.5e-7);
    },
  );
});
