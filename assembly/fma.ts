// acc + a * b on four lanes. The relaxed-SIMD build (assembly/build.mjs, used only where the engine validates
// it) makes this one fused multiply-add: wasm SIMD128 has no FMA, and the separate multiply and add halve
// the GEMM's peak. Fused or not, the result is within one rounding of the two-step one.

@inline
export function fmadd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
