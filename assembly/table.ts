// The SIMD constant table: V8 re-materializes a v128 constant at every use inside a loop, so the kernels'
// loop constants live in memory below the heap (KERNEL_TABLE_OFFSET .. HEAP_START), 16 bytes each,
// written once by initConstants and loaded where used. GELU's (gelu.ts) take the first 240 bytes; the
// 16-bit widening and the int8 quantization take the slots below.
import { KERNEL_TABLE_OFFSET } from "./constants.generated";
import { initGeluConstants } from "./gelu";

const TABLE: usize = <usize>KERNEL_TABLE_OFFSET;
export const T_I32_7FFF: usize = 256; // float16 without its sign
export const T_I32_8000: usize = 272; // float16 sign bit
export const T_I32_7BFF: usize = 288; // largest finite float16 magnitude (above: infinity, NaN)
export const T_F32_2P112: usize = 304; // 2^112: a float16's exponent bias (15) turned into float32's (127)
export const T_I32_F32_EXP: usize = 320; // float32 exponent bits (0x7f800000)
export const T_I32_FFFF: usize = 336; // low 16 bits
export const T_F32_255: usize = 352; // the top uint8 level
export const T_F32_2P23: usize = 368; // float32 values in [2^23, 2^24) are the integers: + 2^23 rounds
export const T_F32_2P23_255: usize = 384; // 2^23 + 255: the top level, at that scale

/** Writes the constant table; the host calls it once before any kernel. */
export function initConstants(): void {
  initGeluConstants();
  v128.store(TABLE + T_I32_7FFF, i32x4.splat(0x7fff));
  v128.store(TABLE + T_I32_8000, i32x4.splat(0x8000));
  v128.store(TABLE + T_I32_7BFF, i32x4.splat(0x7bff));
  v128.store(TABLE + T_F32_2P112, f32x4.splat(<f32>5.192296858534828e33));
  v128.store(TABLE + T_I32_F32_EXP, i32x4.splat(0x7f800000));
  v128.store(TABLE + T_I32_FFFF, i32x4.splat(0xffff));
  v128.store(TABLE + T_F32_255, f32x4.splat(255));
  v128.store(TABLE + T_F32_2P23, f32x4.splat(8388608));
  v128.store(TABLE + T_F32_2P23_255, f32x4.splat(8388863));
}

/** The constant at `offset` of the table. */
@inline
export function k(offset: usize): v128 {
  return v128.load(TABLE + offset);
}
