// The GEMM kernels with float16 / bfloat16 weights (gemm16) and the int8 GEMM, on every fast backend (pure TS and
// wasm SIMD, 1 and 2 threads; test/backend/relaxed-simd.test.ts re-runs this file on the relaxed-SIMD build),
// against naive references: float64 sums of the exactly widened 16-bit weights, and the int8 definition of
// src/ops/quantize.ts (each pixel quantized on its own, exact integer sums). Odd shapes: K 1, 7, 42, 97, M not
// a multiple of the 4-row tile, 3 images, planes whose last 8-pixel strip is mostly padding, every epilogue.
// The int8 kernels must reproduce the definition exactly before the epilogue: no tolerance there.
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node/backend-env.js";
import { Backend } from "../../src/backend/backend.js";
import { GEMM_WEIGHTS_BF16, GEMM_WEIGHTS_F16 } from "../../src/backend/kernel-constants.generated.js";
import { gemmInt8PackBytes, gemmPackBytes } from "../../src/backend/workspace.js";
import { gelu } from "../../src/ops/activations.js";
import { mulberry32 } from "../../src/ops/drop-path.js";
import { activationQuantization, quantizeActivation, quantizeWeights } from "../../src/ops/quantize.js";
import { widen16 } from "../../src/tensor/dtype.js";
import { narrow16 } from "../../src/tensor/narrow16.js";

const backends = [new Backend("js", 1), new Backend("js", 2), new Backend("wasm", 1), new Backend("wasm", 2)];
afterAll(() => backends.forEach((b) => b.dispose()));
const random = mulberry32(21);
const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
const f32 = Math.fround;

/** out's expected value for one epilogue from z = f32(sum + bias); `before` is out's old value. */
function epilogue(mode: number, z: number, gamma: number, before: number): number {
  return [z, gelu(z), before + gamma * z, before + z][mode];
}

/** Heap blocks of the given byte sizes on `backend`, freed after `body`. */
function withBlocks(backend: Backend, bytes: number[], body: (at: number[]) => void): void {
  const at = bytes.map((b) => backend.heap.alloc(Math.ceil(b / 4)));
  try {
    body(at);
  } finally {
    at.forEach((o) => backend.heap.free(o));
  }
}

const bytesOf = (heap: Backend["heap"]) => new Uint8Array(heap.memory.buffer);
const put = (heap: Backend["heap"], at: number, data: ArrayBufferView) =>
  bytesOf(heap).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
const f32At = (heap: Backend["heap"], at: number, n: number) => new Float32Array(heap.memory.buffer, at, n).slice();

// [M, K, pixels]: K 1, 7, 42, 97; M 7, 9, 33, 5 (leftover rows); 3 or 1 real pixels in the last strip; and a
// plane whose panel exceeds the wasm GEMMs' budget, packed in pixel chunks (16-bit weights: 296, int8: 600)
const SHAPES = [
  [5, 600, 700],
  [7, 1, 13],
  [9, 7, 26],
  [33, 42, 49],
  [12, 97, 8],
  [5, 97, 3],
];
const N = 3;

describe.each(backends.map((b) => [`${b.name}/${b.threads}`, b] as const))("%s", (_label, backend) => {
  const heap = backend.heap;

  for (const dtype of ["F16", "BF16"] as const) {
    it.each(SHAPES)(`${dtype} weights, M %i, K %i, %i pixels, 3 images, every epilogue`, (M, K, pixels) => {
      const P = Math.ceil(pixels / 8) * 8;
      const bits = narrow16(rand(M * K, 2 / Math.sqrt(K)), dtype);
      const w = widen16(bits, dtype); // what the kernel must compute with
      const x = rand(N * K * P);
      const bias = rand(M, 0.1);
      const gamma = rand(M);
      const packBytes = gemmPackBytes(K);
      withBlocks(
        backend,
        [4 * N * M * P, 2 * M * K, 4 * N * K * P, 4 * M, 4 * M, packBytes * backend.threads],
        (at) => {
          const [out, wAt, xAt, biasAt, gammaAt, pack] = at;
          put(heap, wAt, bits);
          put(heap, xAt, x);
          put(heap, biasAt, bias);
          put(heap, gammaAt, gamma);
          for (const mode of [0, 1, 2, 3]) {
            const before = rand(N * M * P);
            put(heap, out, before);
            const format = dtype === "F16" ? GEMM_WEIGHTS_F16 : GEMM_WEIGHTS_BF16;
            const args = [out, wAt, xAt, biasAt, gammaAt, M, K, P, N, mode | format, pack, packBytes, pixels];
            backend.run("gemm16", args, N * M, 4);
            const actual = f32At(heap, out, N * M * P);
            let worst = 0;
            for (let img = 0; img < N; img++) {
              for (let m = 0; m < M; m++) {
                for (let p = 0; p < pixels; p++) {
                  let sum = 0;
                  let magnitude = 0; // float32 sums of K terms err in proportion to sum |w x|
                  for (let k = 0; k < K; k++) {
                    const term = w[m * K + k] * x[(img * K + k) * P + p];
                    sum += term;
                    magnitude += Math.abs(term);
                  }
                  const o = (img * M + m) * P + p;
                  const e = epilogue(mode, f32(sum + bias[m]), gamma[m], before[o]);
                  worst = Math.max(worst, Math.abs(actual[o] - e) / Math.max(1, Math.abs(e), magnitude));
                }
              }
            }
            expect(worst, `mode ${mode}`).toBeLessThan(5e-7);
          }
        },
      );
    });
  }

  it.each(["F16", "BF16"] as const)(
    "every %s bit pattern is widened exactly (infinities, NaN, subnormals)",
    (dtype) => {
      // K = 1: out[m, p] = w[m] * 1 + 0, so each of the 65536 patterns comes out as the float32 it stands for
      const M = 65536;
      const P = 8;
      const bits = Uint16Array.from({ length: M }, (_, i) => i);
      const expected = widen16(bits, dtype);
      const packBytes = gemmPackBytes(1);
      withBlocks(backend, [4 * M * P, 2 * M, 4 * P, 4 * M, packBytes * backend.threads], (at) => {
        const [out, wAt, xAt, zeros, pack] = at;
        put(heap, wAt, bits);
        put(heap, xAt, new Float32Array(P).fill(1));
        put(heap, zeros, new Float32Array(M));
        const format = dtype === "F16" ? GEMM_WEIGHTS_F16 : GEMM_WEIGHTS_BF16;
        backend.run("gemm16", [out, wAt, xAt, zeros, 0, M, 1, P, 1, format, pack, packBytes, P], M, 4);
        const actual = f32At(heap, out, M * P);
        const wrong: string[] = [];
        for (let i = 0; i < M; i++) {
          const e = expected[i] + 0; // + bias 0: -0 becomes +0, as in the kernel
          for (let p = 0; p < P; p++) {
            const a = actual[i * P + p];
            if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)))) wrong.push(`0x${i.toString(16)}: ${a} vs ${e}`);
          }
        }
        expect(wrong.slice(0, 5)).toEqual([]);
      });
    },
  );

  it.each(SHAPES)("int8 weights, M %i, K %i, %i pixels, 3 images, every epilogue, odd pixels", (M, K, pixels) => {
    const P = Math.ceil(pixels / 8) * 8;
    const { values, scales } = quantizeWeights(rand(M * K, 2 / Math.sqrt(K)), M, K);
    const x = rand(N * K * P, 3);
    // pixels that test the range rule: all zero (range 0), all positive and all negative (the range is
    // stretched to include 0), huge and tiny magnitudes, a single non-zero value
    const column = (img: number, p: number, value: (k: number) => number) => {
      for (let k = 0; k < K; k++) x[(img * K + k) * P + p] = value(k);
    };
    column(0, 0, () => 0);
    if (pixels > 1) column(0, 1, (k) => 1 + k);
    if (pixels > 2) column(1, 2, (k) => -0.5 - k);
    column(1, 0, (k) => x[(K + k) * P] * 1e20);
    column(2, 0, (k) => x[(2 * K + k) * P] * 1e-30);
    if (pixels > 1) column(2, 1, (k) => (k === K - 1 ? 2.5 : 0));
    const bias = rand(M, 0.1);
    const gamma = rand(M);
    const packBytes = gemmInt8PackBytes(K);
    withBlocks(
      backend,
      [4 * N * M * P, M * K, 4 * M, 4 * N * K * P, 4 * M, 4 * M, packBytes * backend.threads],
      (at) => {
        // prettier-ignore
        const [out, wAt, scaleAt, xAt, biasAt, gammaAt, pack] = at;
        put(heap, wAt, values);
        put(heap, scaleAt, scales);
        put(heap, xAt, x);
        put(heap, biasAt, bias);
        put(heap, gammaAt, gamma);
        // the definition, per pixel: z = f32(f32(f32(acc) * f32(scale[m] * xscale)) + bias[m])
        const z = new Float32Array(N * M * P);
        for (let img = 0; img < N; img++) {
          for (let p = 0; p < pixels; p++) {
            const q = activationQuantization(x, img * K * P + p, P, K);
            const d = Array.from({ length: K }, (_, k) => quantizeActivation(x[(img * K + k) * P + p], q.inv, q.zero));
            for (let m = 0; m < M; m++) {
              let acc = 0;
              for (let k = 0; k < K; k++) acc += values[m * K + k] * d[k];
              z[(img * M + m) * P + p] = f32(f32(f32(acc) * f32(scales[m] * q.scale)) + bias[m]);
            }
          }
        }
        for (const mode of [0, 1, 2, 3]) {
          const before = rand(N * M * P);
          put(heap, out, before);
          const args = [out, wAt, scaleAt, xAt, biasAt, gammaAt, M, K, P, N, mode, pack, packBytes, pixels];
          backend.run("gemmInt8", args, N * M, 4);
          const actual = f32At(heap, out, N * M * P);
          let worst = 0;
          let exact = true;
          for (let img = 0; img < N; img++) {
            for (let m = 0; m < M; m++) {
              for (let p = 0; p < pixels; p++) {
                const o = (img * M + m) * P + p;
                const e = epilogue(mode, z[o], gamma[m], before[o]);
                if (actual[o] !== z[o]) exact = false;
                // relative to the GELU's input too: for x < 0 its error bound is a multiple of |x|
                worst = Math.max(worst, Math.abs(actual[o] - e) / Math.max(1, Math.abs(e), Math.abs(z[o])));
              }
            }
          }
          if (mode === 0) expect(exact, "bias only: bit-identical to the definition").toBe(true);
          expect(worst, `mode ${mode}`).toBeLessThan(5e-7);
        }
      },
    );
  });
});
