// 16-bit float weights widened to float32 as the GEMM packs them (assembly/gemm.ts packRows): bfloat16 is
// the top half of a float32; float16 is rebuilt from its fields (wasm has no conversion instruction).

import { k, T_F32_2P112, T_I32_7BFF, T_I32_7FFF, T_I32_8000, T_I32_F32_EXP } from "./table";

/**
 * Four float16 values (bit patterns in the low halves of i32 lanes) as float32, exactly. The exponent and
 * mantissa shifted into float32's places read as 2^-112 times the value, for normal and subnormal halves
 * alike (a float16 subnormal becomes a float32 normal, no rounding), so one multiply by 2^112 rescales both;
 * infinities and NaNs (exponent 31) get float32's all-ones exponent instead.
 */
@inline
export function halfToFloat4(h: v128): v128 {
  const magnitude = v128.and(h, k(T_I32_7FFF));
  const shifted = i32x4.shl(magnitude, 13);
  const finite = f32x4.mul(shifted, k(T_F32_2P112));
  const special = v128.or(shifted, k(T_I32_F32_EXP));
  const value = v128.bitselect(special, finite, i32x4.gt_s(magnitude, k(T_I32_7BFF)));
  return v128.or(value, i32x4.shl(v128.and(h, k(T_I32_8000)), 16));
}

/** Four bfloat16 values (low halves of i32 lanes) as float32. */
@inline
export function bfloat16ToFloat4(h: v128): v128 {
  return i32x4.shl(h, 16);
}

/** One 16-bit value at `p` (GEMM_WEIGHTS_F16 or _BF16) as float32. */
@inline
export function load16AsFloat(p: usize, bf16: bool): f32 {
  const h = i32x4.splat(<i32>load<u16>(p));
  return f32x4.extract_lane(bf16 ? bfloat16ToFloat4(h) : halfToFloat4(h), 0);
}
