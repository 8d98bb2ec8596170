// Every reference kernel against an independent naive formulation (float64, written from the PyTorch
// definitions: a generic grouped/strided/padded conv2d, layer_norm, matmul) on random odd shapes.
import { describe, expect, it } from "vitest";
import {
  channelsFirstToLast,
  channelsLastToFirst,
  convOutputSize,
  depthwiseConv2d,
  dropPath,
  globalAveragePool,
  globalResponseNorm,
  layerNormChannelsFirst,
  layerNormChannelsLast,
  layerScale,
  linear,
  mulberry32,
  conv2d,
  softmax,
  topK,
} from "../../src/ops/index.js";
import { randomArray, relativeToMax } from "../helpers/helpers.js";
import { scaleNorm } from "../../src/ops/scale-norm.js";

/** torch.nn.functional.conv2d, the textbook way: out[n,o,y,x] = b[o] + sum w[o,i,ky,kx] * xpad[n, g*cin+i, y*s+ky, x*s+kx]. */
function conv2dNaive(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  [N, C, H, W]: number[],
  Cout: number,
  k: number,
  stride: number,
  pad: number,
  groups: number,
) {
  const OH = convOutputSize(H, k, stride, pad);
  const OW = convOutputSize(W, k, stride, pad);
  const cinPerGroup = C / groups;
  const coutPerGroup = Cout / groups;
  const out = new Float64Array(N * Cout * OH * OW);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < Cout; o++)
      for (let y = 0; y < OH; y++)
        for (let xx = 0; xx < OW; xx++) {
          const g = Math.floor(o / coutPerGroup);
          let acc = b[o];
          for (let i = 0; i < cinPerGroup; i++)
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) {
                const iy = y * stride + ky - pad;
                const ix = xx * stride + kx - pad;
                const v =
                  iy >= 0 && iy < H && ix >= 0 && ix < W ? x[((n * C + g * cinPerGroup + i) * H + iy) * W + ix] : 0;
                acc += v * w[((o * cinPerGroup + i) * k + ky) * k + kx];
              }
          out[((n * Cout + o) * OH + y) * OW + xx] = acc;
        }
  return { out, OH, OW };
}

function layerNormNaive(values: number[], weight: number, bias: number, index: number, eps: number): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return ((values[index] - mean) / Math.sqrt(variance + eps)) * weight + bias;
}

const F32_TOL = 1e-6; // relative to the output's max: float32 rounding of float64 sums

describe("conv2d (patchify stem and downsampling: kernel = stride; and strided padded convs)", () => {
  const cases = [
    [1, 3, 8, 8, 5, 4, 4, 0],
    [3, 7, 13, 9, 11, 2, 2, 0],
    [2, 1, 5, 17, 4, 4, 4, 0],
    [1, 42, 6, 7, 97, 2, 2, 0],
    [2, 4, 7, 10, 3, 3, 3, 0],
    [2, 3, 11, 8, 6, 3, 2, 1], // an overlapping 3x3 stride-2 stem conv
    [1, 5, 7, 7, 4, 3, 1, 1],
  ];
  for (const [N, C, H, W, Cout, k, stride, pad] of cases) {
    it(`N=${N} C=${C} ${H}x${W} -> ${Cout}, k=${k} s=${stride} p=${pad}`, () => {
      const x = randomArray(N * C * H * W, 1);
      const w = randomArray(Cout * C * k * k, 2);
      const b = randomArray(Cout, 3);
      const ref = conv2dNaive(x, w, b, [N, C, H, W], Cout, k, stride, pad, 1);
      if (stride === k && pad === 0) expect([ref.OH, ref.OW]).toEqual([Math.floor(H / k), Math.floor(W / k)]);
      const out = new Float32Array(ref.out.length);
      conv2d(out, x, w, b, N, C, H, W, Cout, ref.OH, ref.OW, k, stride, pad);
      expect(relativeToMax(out, ref.out)).toBeLessThan(F32_TOL);
      // without a bias: the same minus it
      conv2d(out, x, w, null, N, C, H, W, Cout, ref.OH, ref.OW, k, stride, pad);
      const plane = ref.OH * ref.OW;
      expect(
        relativeToMax(
          out,
          ref.out.map((v, i) => v - b[Math.floor(i / plane) % Cout]),
        ),
      ).toBeLessThan(F32_TOL);
    });
  }
});

describe("depthwiseConv2d (7x7, padding 3)", () => {
  const cases = [
    [1, 1, 1, 1],
    [3, 7, 5, 9],
    [2, 42, 14, 11],
    [1, 97, 3, 2],
    [1, 8, 56, 56],
  ];
  for (const [N, C, H, W] of cases) {
    it(`N=${N} C=${C} ${H}x${W}`, () => {
      const x = randomArray(N * C * H * W, 4);
      const w = randomArray(C * 49, 5);
      const b = randomArray(C, 6);
      const ref = conv2dNaive(x, w, b, [N, C, H, W], C, 7, 1, 3, C);
      const out = new Float32Array(ref.out.length);
      depthwiseConv2d(out, x, w, b, N, C, H, W, H, W, 7, 3);
      expect(relativeToMax(out, ref.out)).toBeLessThan(F32_TOL);
    });
  }
  it("other kernel sizes: 3x3 pad 1 and 5x5 pad 0", () => {
    for (const [k, pad] of [
      [3, 1],
      [5, 0],
    ]) {
      const [N, C, H, W] = [2, 5, 9, 6];
      const x = randomArray(N * C * H * W, 7);
      const w = randomArray(C * k * k, 8);
      const b = randomArray(C, 9);
      const ref = conv2dNaive(x, w, b, [N, C, H, W], C, k, 1, pad, C);
      const out = new Float32Array(ref.out.length);
      depthwiseConv2d(out, x, w, b, N, C, H, W, ref.OH, ref.OW, k, pad);
      expect(relativeToMax(out, ref.out)).toBeLessThan(F32_TOL);
    }
  });
});

describe("LayerNorm", () => {
  for (const [N, C, HW] of [
    [1, 1, 1],
    [3, 7, 5],
    [2, 42, 13],
    [1, 97, 4],
  ]) {
    it(`channels_first and channels_last agree with layer_norm, N=${N} C=${C} HW=${HW}`, () => {
      const x = randomArray(N * C * HW, 10, -3, 5);
      const w = randomArray(C, 11, 0.5, 1.5);
      const b = randomArray(C, 12);
      const cf = new Float32Array(x.length);
      layerNormChannelsFirst(cf, x, w, b, N, C, HW, 1e-6);
      const nhwc = new Float32Array(x.length);
      channelsFirstToLast(nhwc, x, N, C, HW);
      const cl = new Float32Array(x.length);
      layerNormChannelsLast(cl, nhwc, w, b, N * HW, C, 1e-6);
      const expectedCf = new Float64Array(x.length);
      for (let n = 0; n < N; n++)
        for (let p = 0; p < HW; p++) {
          const values = Array.from({ length: C }, (_, c) => x[(n * C + c) * HW + p]);
          for (let c = 0; c < C; c++) expectedCf[(n * C + c) * HW + p] = layerNormNaive(values, w[c], b[c], c, 1e-6);
        }
      expect(relativeToMax(cf, expectedCf)).toBeLessThan(F32_TOL);
      const back = new Float32Array(x.length);
      channelsLastToFirst(back, cl, N, C, HW);
      expect(relativeToMax(back, expectedCf)).toBeLessThan(F32_TOL);
    });
  }

  it("a constant row normalises to the bias (variance 0, eps keeps it finite)", () => {
    const C = 7;
    const x = new Float32Array(C).fill(3.25);
    const w = randomArray(C, 13);
    const b = randomArray(C, 14);
    const out = new Float32Array(C);
    layerNormChannelsLast(out, x, w, b, 1, C, 1e-6);
    expect(Array.from(out)).toEqual(Array.from(b));
  });

  it("eps is added to the variance inside the sqrt: [0, 2] with eps 1 -> ±1/sqrt(2)", () => {
    const out = new Float32Array(2);
    layerNormChannelsLast(out, Float32Array.of(0, 2), Float32Array.of(1, 1), Float32Array.of(0, 0), 1, 2, 1);
    expect(out[0]).toBeCloseTo(-Math.SQRT1_2, 7);
    expect(out[1]).toBeCloseTo(Math.SQRT1_2, 7);
  });
});

describe("linear", () => {
  for (const [M, K, N] of [
    [1, 1, 1],
    [7, 42, 97],
    [13, 8, 32],
    [3, 97, 7],
  ]) {
    it(`[${M}x${K}] @ [${N}x${K}]^T + b`, () => {
      const x = randomArray(M * K, 15);
      const w = randomArray(N * K, 16);
      const b = randomArray(N, 17);
      const expected = new Float64Array(M * N);
      for (let k = 0; k < K; k++)
        // a different loop order from the kernel's
        for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) expected[m * N + n] += x[m * K + k] * w[n * K + k];
      for (let i = 0; i < expected.length; i++) expected[i] += b[i % N];
      const out = new Float32Array(M * N);
      linear(out, x, w, b, M, K, N);
      expect(relativeToMax(out, expected)).toBeLessThan(F32_TOL);
      linear(out, x, w, null, M, K, N);
      for (let i = 0; i < expected.length; i++) expected[i] -= b[i % N];
      expect(relativeToMax(out, expected)).toBeLessThan(F32_TOL);
    });
  }
});

describe("small ops", () => {
  it("layerScale multiplies each channel", () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 6);
    layerScale(x, Float32Array.of(2, 0.5, -1), 2, 3);
    expect(Array.from(x)).toEqual([2, 1, -3, 8, 2.5, -6]);
  });

  it("globalAveragePool averages H*W per channel", () => {
    const out = new Float32Array(4);
    globalAveragePool(out, Float32Array.of(1, 2, 3, 10, 20, 30, -1, -1, -4, 0, 0, 3), 2, 2, 3);
    expect(Array.from(out)).toEqual([2, 20, -2, 1]);
  });

  it("transposes are inverse permutations of NCHW <-> NHWC", () => {
    const [N, C, HW] = [3, 7, 5];
    const x = randomArray(N * C * HW, 18);
    const nhwc = new Float32Array(x.length);
    channelsFirstToLast(nhwc, x, N, C, HW);
    expect(nhwc[(2 * HW + 4) * C + 6]).toBe(x[(2 * C + 6) * HW + 4]);
    const back = new Float32Array(x.length);
    channelsLastToFirst(back, nhwc, N, C, HW);
    expect(back).toEqual(x);
  });

  it("softmax rows sum to 1 and keep the order; topK picks the largest first", () => {
    const x = Float32Array.of(1, 3, 2, 1000, 1000, -1000);
    const p = new Float32Array(6);
    softmax(p, x, 2, 3);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 6);
    expect(p[1]).toBeCloseTo(Math.exp(3) / (Math.exp(1) + Math.exp(3) + Math.exp(2)), 6);
    expect(p[3]).toBeCloseTo(0.5, 6);
    expect(p[5]).toBe(0);
    expect(topK(x, 0, 3, 2)).toEqual([1, 2]);
    expect(topK(x, 3, 3, 5)).toEqual([0, 1, 2]);
  });

  it("dropPath keeps or zeroes whole samples, scaled by 1/keep; rate 0 is the identity", () => {
    const N = 400;
    const per = 3;
    const x = new Float32Array(N * per).fill(1);
    dropPath(x, new Float32Array(N), N, per, 0.25, mulberry32(7));
    let kept = 0;
    for (let n = 0; n < N; n++) {
      const v = x[n * per];
      expect([0, Math.fround(1 / 0.75)]).toContain(v);
      expect(x[n * per + 2]).toBe(v);
      if (v > 0) kept++;
    }
    expect(kept / N).toBeGreaterThan(0.68);
    expect(kept / N).toBeLessThan(0.82);
    const y = Float32Array.of(1, 2, 3);
    dropPath(y, new Float32Array(1), 1, 3, 0, mulberry32(1));
    expect(Array.from(y)).toEqual([1, 2, 3]);
  });

  it("GRN follows gamma * (x * g / (mean(g) + 1e-6)) + beta + x per sample", () => {
    const [N, HW, C] = [3, 5, 7];
    const x = randomArray(N * HW * C, 19, -2, 2);
    const gamma = randomArray(C, 20, -0.5, 0.5);
    const beta = randomArray(C, 21, -0.1, 0.1);
    const expected = new Float64Array(x.length);
    for (let n = 0; n < N; n++) {
      const g = Array.from({ length: C }, (_, c) =>
        Math.hypot(...Array.from({ length: HW }, (_, p) => x[(n * HW + p) * C + c])),
      );
      const mean = g.reduce((a, b) => a + b, 0) / C;
      for (let p = 0; p < HW; p++)
        for (let c = 0; c < C; c++) {
          const v = x[(n * HW + p) * C + c];
          expected[(n * HW + p) * C + c] = gamma[c] * (v * (g[c] / (mean + 1e-6))) + beta[c] + v;
        }
    }
    const out = x.slice();
    globalResponseNorm(out, gamma, beta, N, HW, C, new Float64Array(C));
    expect(relativeToMax(out, expected)).toBeLessThan(F32_TOL);
    const identity = x.slice();
    globalResponseNorm(identity, new Float32Array(C), new Float32Array(C), N, HW, C, new Float64Array(C));
    expect(identity).toEqual(x);
  });
});

describe("timm's scale norms (RmsNorm2d, SimpleNorm2d): hand-computed", () => {
  // one pixel, C = 3, x = (1, 2, 3), weight (1, 2, 0.5), eps 0
  const x = Float32Array.of(1, 2, 3);
  const w = Float32Array.of(1, 2, 0.5);
  it("rmsnorm divides by sqrt(mean x^2) = sqrt(14 / 3), no centring", () => {
    const out = new Float32Array(3);
    scaleNorm(out, x, w, 1, 3, 1, 0, "rmsnorm");
    const r = Math.sqrt(14 / 3);
    expect(Array.from(out)).toEqual([1 / r, 4 / r, 1.5 / r].map(Math.fround));
  });
  it("simplenorm divides by the unbiased std (var = 1), not centred", () => {
    const out = new Float32Array(3);
    scaleNorm(out, x, w, 1, 3, 1, 0, "simplenorm");
    expect(Array.from(out)).toEqual([1, 4, 1.5]);
  });
  it("channels-first layout: dim 1 of [N, C, HW]", () => {
    // N = 1, C = 3, HW = 2: pixel 0 is (1, 2, 3), pixel 1 is (2, 2, 2) (a constant row: unbiased var 0)
    const cf = Float32Array.of(1, 2, 2, 2, 3, 2);
    const out = new Float32Array(6);
    scaleNorm(out, cf, Float32Array.of(1, 1, 1), 1, 3, 2, 1e-6, "simplenorm");
    expect(out[0]).toBeCloseTo(1, 5);
    expect(out[2]).toBeCloseTo(2, 5);
    expect(out[1]).toBeCloseTo(2 / Math.sqrt(1e-6), 0); // x / sqrt(0 + eps): not centred, so not 0
  });
});
