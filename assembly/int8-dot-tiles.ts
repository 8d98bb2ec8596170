// The int8 GEMM's register tile (assembly/gemm-int8.ts: 4 output channels x 8 pixels, 8 int32 accumulators)
// with the two int8 dot products wasm has, on L1-resident operands, for bench/int8-dot.mjs (not part of the kernels):
//   dotI16     i32x4.dot_i16x8_s (SIMD128): 8 multiply-adds an instruction, the engine's kernel
//   dotI8I7    i32x4.relaxed_dot_i8x16_i7x16_add_s (relaxed SIMD): 16, with a 7-bit second operand
//   mulAddF32  f32x4.mul + f32x4.add, the float32 GEMM's tile (assembly/gemm.ts), for comparison
// Each runs `reps` times over a strip of K values (panel: 8 pixels a step; weights: 4 rows a step).

/** K2 = K rounded to even: K2 / 2 steps of one pair of k (32 bytes of panel, 16 of weights). */
export function dotI16(x: usize, w: usize, K2: i32, reps: i32, out: usize): void {
  const wEnd = w + ((<usize>K2) << 3);
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
      a00 = i32x4.add(a00, i32x4.dot_i16x8_s(x0, s));
      a01 = i32x4.add(a01, i32x4.dot_i16x8_s(x1, s));
      s = v128.load32_splat(wp, 4);
      a10 = i32x4.add(a10, i32x4.dot_i16x8_s(x0, s));
      a11 = i32x4.add(a11, i32x4.dot_i16x8_s(x1, s));
      s = v128.load32_splat(wp, 8);
      a20 = i32x4.add(a20, i32x4.dot_i16x8_s(x0, s));
      a21 = i32x4.add(a21, i32x4.dot_i16x8_s(x1, s));
      s = v128.load32_splat(wp, 12);
      a30 = i32x4.add(a30, i32x4.dot_i16x8_s(x0, s));
      a31 = i32x4.add(a31, i32x4.dot_i16x8_s(x1, s));
      xp += 32;
    }
    store8(out, a00, a01, a10, a11, a20, a21, a30, a31);
  }
}

/** K4 = K / 4 steps of four k (32 bytes of panel: 8 pixels x 4 bytes; 16 of weights: 4 rows x 4 bytes). */
export function dotI8I7(x: usize, w: usize, K4: i32, reps: i32, out: usize): void {
  const wEnd = w + ((<usize>K4) << 4);
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
      a00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x0, a00);
      a01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x1, a01);
      s = v128.load32_splat(wp, 4);
      a10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x0, a10);
      a11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x1, a11);
      s = v128.load32_splat(wp, 8);
      a20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x0, a20);
      a21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x1, a21);
      s = v128.load32_splat(wp, 12);
      a30 = i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x0, a30);
      a31 = i32x4.relaxed_dot_i8x16_i7x16_add_s(s, x1, a31);
      xp += 32;
    }
    store8(out, a00, a01, a10, a11, a20, a21, a30, a31);
  }
}

/** K steps of one k (32 bytes of panel, 16 of weights). */
export function mulAddF32(x: usize, w: usize, K: i32, reps: i32, out: usize): void {
  const wEnd = w + ((<usize>K) << 4);
  for (let r = 0; r < reps; r++) {
    let a00 = f32x4.splat(0);
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
      a00 = f32x4.add(a00, f32x4.mul(x0, s));
      a01 = f32x4.add(a01, f32x4.mul(x1, s));
      s = v128.load32_splat(wp, 4);
      a10 = f32x4.add(a10, f32x4.mul(x0, s));
      a11 = f32x4.add(a11, f32x4.mul(x1, s));
      s = v128.load32_splat(wp, 8);
      a20 = f32x4.add(a20, f32x4.mul(x0, s));
      a21 = f32x4.add(a21, f32x4.mul(x1, s));
      s = v128.load32_splat(wp, 12);
      a30 = f32x4.add(a30, f32x4.mul(x0, s));
      a31 = f32x4.add(a31, f32x4.mul(x1, s));
      xp += 32;
    }
    store8(out, a00, a01, a10, a11, a20, a21, a30, a31);
  }
}

@inline
function store8(o: usize, a: v128, b: v128, c: v128, d: v128, e: v128, f: v128, g: v128, h: v128): void {
  v128.store(o, a);
  v128.store(o, b, 16);
  v128.store(o, c, 32);
  v128.store(o, d, 48);
  v128.store(o, e, 64);
  v128.store(o, f, 80);
  v128.store(o, g, 96);
  v128.store(o, h, 112);
}
