// The GEMM kernels with every epilogue (bias, GELU, gamma * . + residual, + residual) against a naive
// float64 sum. The pure-TS kernel alone on shapes that hit its edges: M not a multiple of the 4-row tile, a
// row range that starts and ends inside an image and spans two, and K * P large enough for several x
// panels. Both backends (1 and 2 threads) on planes whose last 8-pixel strip is partly padding.
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node/backend-env.js";
import { Backend } from "../../src/backend/backend.js";
import { JS_KERNELS, type JsMemory } from "../../src/backend/js/kernels.js";
import { gelu } from "../../src/ops/activations.js";
import { mulberry32 } from "../../src/ops/drop-path.js";
import { gemmPackBytes } from "../../src/backend/workspace.js";
import { KERNEL_CONSTANTS } from "../../src/backend/kernel-constants.generated.js";

const random = mulberry32(11);

/** The expected out[img, m, p] for one epilogue, from the float64 sum; `before` is out's old value. */
function expectedOutput(mode: number, sum: number, bias: number, gamma: number, before: number): number {
  const z = Math.fround(sum + bias);
  return [z, gelu(z), before + gamma * z, before + z][mode];
}

describe("js gemm kernel", () => {
  // [M, K, P]: P pixels per plane (a multiple of 8, as the fast executor pads planes). An x panel holds at most
  // 65536 doubles: 672 pixels for K 97 (so 704 pixels take 672 + 32), 20 for K 3072 (32 take 20 + 12)
  const shapes = [
    [37, 97, 704],
    [6, 3072, 32],
    [1, 5, 8],
  ];
  for (const [M, K, P] of shapes) {
    // a row range that starts and ends inside an image and spans both
    const [r0, r1] = M > 2 ? [1, 2 * M - 1] : [0, 2 * M];
    for (const mode of [0, 1, 2, 3]) {
      it(`M ${M}, K ${K}, P ${P}, mode ${mode}, 2 images, rows ${r0}..${r1}`, () => {
        const N = 2;
        const floats = { out: N * M * P, w: M * K, x: N * K * P, bias: M, gamma: M, pack: gemmPackBytes(K) / 4 };
        const total = Object.values(floats).reduce((a, v) => a + v) * 4 + 1024;
        const memory = new WebAssembly.Memory({ initial: 1 + Math.ceil(total / 65536) });
        const mem: JsMemory = {
          f32: new Float32Array(memory.buffer),
          f64: new Float64Array(memory.buffer),
          k: KERNEL_CONSTANTS,
        };
        let top = 64;
        const at: Record<string, number> = {};
        for (const [name, n] of Object.entries(floats)) {
          at[name] = top;
          top += Math.ceil((n * 4) / 64) * 64;
          const scale = name === "w" ? 2 / Math.sqrt(K) : 1;
          for (let i = 0; i < n; i++) mem.f32[(at[name] >> 2) + i] = Math.fround((random() * 2 - 1) * scale);
        }
        const before = mem.f32.slice(at.out >> 2, (at.out >> 2) + floats.out);
        const { out, w, x, bias, gamma, pack } = at;
        JS_KERNELS.gemm(mem, out, w, x, bias, gamma, M, K, P, N, mode, pack, gemmPackBytes(K), P, r0, r1, 0);
        const f = mem.f32;
        let worst = 0;
        let written = 0;
        for (let img = 0; img < N; img++) {
          for (let m = 0; m < M; m++) {
            for (let p = 0; p < P; p++) {
              const o = (img * M + m) * P + p;
              const row = img * M + m;
              let expected = before[o]; // outside [r0, r1) nothing changes
              if (row >= r0 && row < r1) {
                written++;
                let sum = 0;
                for (let k = 0; k < K; k++) sum += f[(w >> 2) + m * K + k] * f[(x >> 2) + (img * K + k) * P + p];
                expected = expectedOutput(mode, sum, f[(bias >> 2) + m], f[(gamma >> 2) + m], before[o]);
              }
              worst = Math.max(worst, Math.abs(f[(out >> 2) + o] - expected) / Math.max(1, Math.abs(expected)));
            }
          }
        }
        expect(written).toBeGreaterThan(0);
        expect(worst).toBeLessThan(1e-6);
      });
    }
  }

  it("names the pack space it lacks instead of writing past it", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const mem: JsMemory = {
      f32: new Float32Array(memory.buffer),
      f64: new Float64Array(memory.buffer),
      k: KERNEL_CONSTANTS,
    };
    expect(() => JS_KERNELS.gemm(mem, 64, 64, 64, 64, 0, 4, 1000, 8, 1, 0, 1024, 32000, 8, 0, 4, 0)).toThrow(
      /K = 1000 needs 64000 bytes of pack space per thread, got 32000/,
    );
  });
});

describe("gemm kernels on planes with a partial last strip", () => {
  const backends = [new Backend("js", 1), new Backend("js", 2), new Backend("wasm", 1), new Backend("wasm", 2)];
  afterAll(() => backends.forEach((b) => b.dispose()));
  // [M, K, pixels]: the last strip holds 1 (stage 4's 7 x 7 planes), 2, 3 or 4 real pixels; odd K; and a plane
  // whose panel exceeds the wasm GEMM's budget (K x P > GEMM_PANEL_FLOATS), packed in chunks of 296 pixels
  const shapes = [
    [5, 600, 700],
    [9, 768, 49],
    [6, 97, 26],
    [5, 13, 3],
    [7, 42, 12],
  ];
  for (const backend of backends) {
    for (const [M, K, pixels] of shapes) {
      it(`${backend.name}/${backend.threads}: M ${M}, K ${K}, ${pixels} pixels, every mode, 2 images`, () => {
        const N = 2;
        const P = Math.ceil(pixels / 8) * 8;
        const heap = backend.heap;
        const sizes = [N * M * P, M * K, N * K * P, M, M, (gemmPackBytes(K) / 4) * backend.threads];
        const [out, w, x, bias, gamma, pack] = sizes.map((n) => heap.alloc(n));
        try {
          const f = () => heap.f32; // the heap may grow (and its views change) while allocating
          for (const [at, n] of [
            [w, M * K],
            [x, N * K * P],
            [bias, M],
            [gamma, M],
          ]) {
            for (let i = 0; i < n; i++)
              f()[(at >> 2) + i] = Math.fround((random() * 2 - 1) * (at === w ? 2 / Math.sqrt(K) : 1));
          }
          for (const mode of [0, 1, 2, 3]) {
            for (let i = 0; i < N * M * P; i++) f()[(out >> 2) + i] = Math.fround(random() * 2 - 1);
            const before = f().slice(out >> 2, (out >> 2) + N * M * P);
            const args = [out, w, x, bias, gamma, M, K, P, N, mode, pack, gemmPackBytes(K), pixels];
            backend.run("gemm", args, N * M, 4);
            let worst = 0;
            for (let img = 0; img < N; img++) {
              for (let m = 0; m < M; m++) {
                for (let p = 0; p < pixels; p++) {
                  let sum = 0;
                  let magnitude = 0; // sum |w x|: float32 sums of K terms err in proportion to it
                  for (let k = 0; k < K; k++) {
                    const term = f()[(w >> 2) + m * K + k] * f()[(x >> 2) + (img * K + k) * P + p];
                    sum += term;
                    magnitude += Math.abs(term);
                  }
                  const o = (img * M + m) * P + p;
                  const expected = expectedOutput(mode, sum, f()[(bias >> 2) + m], f()[(gamma >> 2) + m], before[o]);
                  const scale = Math.max(1, Math.abs(expected), magnitude);
                  worst = Math.max(worst, Math.abs(f()[(out >> 2) + o] - expected) / scale);
                }
              }
            }
            expect(worst, `mode ${mode}`).toBeLessThan(5e-7);
          }
        } finally {
          for (const at of [out, w, x, bias, gamma, pack]) heap.free(at);
        }
      });
    }
  }
});
