// The pure-TS GEMM kernel with every epilogue (bias, GELU, gamma * . + residual, + residual) against a
// naive float64 sum, on shapes that hit its edges: M not a multiple of the 4-row tile, a row range that
// starts and ends inside an image and spans two, and K * P large enough for several x panels.
import { describe, expect, it } from "vitest";
import { JS_KERNELS, type JsMemory } from "../src/backend/js/kernels.js";
import { gelu } from "../src/ops/activations.js";
import { mulberry32 } from "../src/ops/drop-path.js";
import { gemmPackBytes } from "../src/backend/runner.js";

const random = mulberry32(11);

describe("js gemm kernel", () => {
  // [M, K, P]: P pixels per plane (a multiple of 8, as the runner pads planes). An x panel holds at most
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
        const mem: JsMemory = { f32: new Float32Array(memory.buffer), f64: new Float64Array(memory.buffer) };
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
                const z = Math.fround(sum + f[(bias >> 2) + m]);
                expected = [z, gelu(z), before[o] + f[(gamma >> 2) + m] * z, before[o] + z][mode];
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
    const mem: JsMemory = { f32: new Float32Array(memory.buffer), f64: new Float64Array(memory.buffer) };
    expect(() => JS_KERNELS.gemm(mem, 64, 64, 64, 64, 0, 4, 1000, 8, 1, 0, 1024, 32000, 8, 0, 4, 0)).toThrow(
      /K = 1000 needs 64000 bytes of pack space per thread, got 32000/,
    );
  });
});
