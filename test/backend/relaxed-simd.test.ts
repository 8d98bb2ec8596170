// The relaxed-SIMD kernel build (fused multiply-add) is chosen exactly where the engine validates relaxed SIMD,
// and passes the same kernel and whole-model tests as the SIMD128 build: in Node 20 that needs
// --experimental-wasm-relaxed-simd, so those tests run again in a child vitest with the flag.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { wasmRelaxedSimd } from "../../src/index.js";

// (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
const RELAXED_MADD_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

const engineHasRelaxedSimd = () => WebAssembly.validate(RELAXED_MADD_MODULE);

it("uses the relaxed-SIMD build exactly where the engine has relaxed SIMD", () => {
  expect(wasmRelaxedSimd()).toBe(engineHasRelaxedSimd());
  if (process.env.CONVNEXT_EXPECT_RELAXED_SIMD === "1") expect(wasmRelaxedSimd()).toBe(true);
});

it.skipIf(engineHasRelaxedSimd() || process.env.CONVNEXT_EXPECT_RELAXED_SIMD === "1")(
  "the relaxed-SIMD build passes the kernel, backend and parity tests (child vitest with the Node flag)",
  () => {
    const root = join(import.meta.dirname, "../..");
    const vitest = join(root, "node_modules/vitest/vitest.mjs");
    const files = ["relaxed-simd", "kernels-fast", "executors", "backends", "gemm-dtypes", "executors-dtypes"].map(
      (f) => `test/backend/${f}.test.ts`,
    );
    // throws (failing this test, with the child's output) if any child test fails
    const flag = "--experimental-wasm-relaxed-simd";
    execFileSync(process.execPath, [flag, vitest, "run", `--execArgv=${flag}`, ...files], {
      cwd: root,
      env: { ...process.env, CONVNEXT_EXPECT_RELAXED_SIMD: "1" },
      encoding: "utf8",
      stdio: "pipe",
    });
  },
);
