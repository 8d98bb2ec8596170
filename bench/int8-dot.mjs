// The int8 GEMM's 4 x 8 register tile with SIMD128's i16 dot product (what the engine runs) against relaxed
// SIMD's i8 x i7 dot (16 multiply-adds an instruction instead of 8) and the float32 tile, on operands that
// stay in L1: how fast the multiply instructions themselves are on this host. Relaxed SIMD needs Node 22+,
// or on Node 20:   node --experimental-wasm-relaxed-simd bench/int8-dot.mjs [K]
// (docs/QUANTIZATION.md, "Why 8-bit activations and weights"). The operands are zeros: integer multiplies take
// the same time whatever their values.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const K = Number(process.argv[2] ?? 384);
if (!(K > 0 && K % 4 === 0)) throw new Error("K must be a positive multiple of 4");

const dir = mkdtempSync(join(tmpdir(), "convnext-int8-dot-"));
let bytes;
try {
  const out = join(dir, "tiles.wasm");
  const asc = join(root, "node_modules/assemblyscript/bin/asc.js");
  const source = join(root, "assembly/int8-dot-tiles.ts");
  execFileSync(process.execPath, [asc, source, "-o", out, "-O3", "--runtime", "stub", "--enable", "simd,relaxed-simd", "--initialMemory", "4"]); // prettier-ignore
  bytes = readFileSync(out);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
let module;
try {
  module = await WebAssembly.compile(bytes);
} catch (e) {
  console.error(`relaxed SIMD is not enabled here (${e.message}); on Node 20: node --experimental-wasm-relaxed-simd bench/int8-dot.mjs`); // prettier-ignore
  process.exit(1);
}
const { dotI16, dotI8I7, mulAddF32 } = (await WebAssembly.instantiate(module, { env: { abort() {} } })).exports;

const x = 4096;
const w = x + 32 * K;
const out = 1024;
const reps = Math.ceil(2e9 / (32 * K)); // 2 G multiply-adds a run
const rate = (run) => {
  const t = performance.now();
  run();
  return (32 * K * reps) / (performance.now() - t) / 1e6; // GMAC/s
};
// each tile with its k per step; every run does the same 32 K multiply-adds per rep
const tiles = { f32: [mulAddF32, 1], i16: [dotI16, 2], i8i7: [dotI8I7, 4] };
const best = { f32: 0, i16: 0, i8i7: 0 };
for (let round = 0; round < 5; round++) {
  for (const [name, [tile, kPerStep]] of Object.entries(tiles)) {
    best[name] = Math.max(
      best[name],
      rate(() => tile(x, w, K / kPerStep, reps, out)),
    );
  }
}
console.log(`4 x 8 tile, K ${K}, best of 5 runs of ${(32 * K * reps / 1e9).toFixed(1)} G multiply-adds, one thread:`); // prettier-ignore
console.log(`  f32x4.mul + f32x4.add (the float32 tile):             ${best.f32.toFixed(1)} GMAC/s`);
console.log(`  i32x4.dot_i16x8_s (SIMD128, the engine's):            ${best.i16.toFixed(1)} GMAC/s`);
console.log(`  i32x4.relaxed_dot_i8x16_i7x16_add_s (relaxed SIMD):   ${best.i8i7.toFixed(1)} GMAC/s (${(best.i8i7 / best.i16).toFixed(2)}x)`); // prettier-ignore
