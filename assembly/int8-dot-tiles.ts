// The GEMMs' 4 x 8 register tile (assembly/gemm-int8.ts, assembly/gemm.ts: 4 output channels x 8 pixels, 8
// accumulators) on L1-resident operands, with each multiply-add instruction wasm has, for bench/int8-dot.mjs
// (not part of the kernels). A step reads 32 bytes of panel and 16 of weights (4 broadcasts):
//   mulAddF32  f32x4.mul + f32x4.add: one k a step, 32 multiply-adds (the float32 GEMM)
//   dotI16     i32x4.dot_i16x8_s (SIMD128): a pair of k, 64 (the int8 GEMM)
//   dotI8I7    i32x4.relaxed_dot_i8x16_i7x16_add_s (relaxed SIMD): four k, 128, with a 7-bit second operand

/** acc + the products of panel vector x and broadcast weights s, by the instruction of T (f32, i16, i8). */
@inline
function madd<T>(acc: v128, x: v128, s: v128): v128 {
  if (isFloat<T>()) return f32x4.add(acc, f32x4.mul(x, s));
  if (sizeof<T>() == 2) return i32x4.add(acc, i32x4.dot_i16x8_s(x, s));
  return i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x, acc);
}

/** `reps` times: `steps` steps of the tile over the panel at x and the weights at w; the sums to out. */
@inline
function tile<T>(x: usize, w: usize, steps: i32, reps: i32, out: usize): void {
  const wEnd = w + ((<usize>steps) << 4);
  for (let r = 0; r < reps; r++) {
    let a00 = i32x4.splat(0);
    let a01 = a00;
    let a10 = a00;
    let a11 = a00;
    let a20 = a00;
    let a21 = a00;
    let a30 = a00;
    let a31 = a00;
    let xp = x;
    for (let wp = w; wp < wEnd; wp += 16) {
      const x0 = v128.load(xp);
      const x1 = v128.load(xp, 16);
      let s = v128.load32_splat(wp);
      a00 = madd<T>(a00, x0, s);
      a01 = madd<T>(a01, x1, s);
      s = v128.load32_splat(wp, 4);
      a10 = madd<T>(a10, x0, s);
      a11 = madd<T>(a11, x1, s);
      s = v128.load32_splat(wp, 8);
      a20 = madd<T>(a20, x0, s);
      a21 = madd<T>(a21, x1, s);
      s = v128.load32_splat(wp, 12);
      a30 = madd<T>(a30, x0, s);
      a31 = madd<T>(a31, x1, s);
      xp += 32;
    }
    v128.store(out, a00);
    v128.store(out, a01, 16);
    v128.store(out, a10, 32);
    v128.store(out, a11, 48);
    v128.store(out, a20, 64);
    v128.store(out, a21, 80);
    v128.store(out, a30, 96);
    v128.store(out, a31, 112);
  }
}

export function mulAddF32(x: usize, w: usize, steps: i32, reps: i32, out: usize): void {
  tile<f32>(x, w, steps, reps, out);
}

export function dotI16(x: usize, w: usize, steps: i32, reps: i32, out: usize): void {
  tile<i16>(x, w, steps, reps, out);
}

export function dotI8I7(x: usize, w: usize, steps: i32, reps: i32, out: usize): void {
  tile<i8>(x, w, steps, reps, out);
}
