// The pointwise GEMM with int8 weights (the numerics are defined in src/ops/quantize.ts):
//   out[m, p] = epilogue(f32(acc) * f32(scale[m] * xscale[p]) + bias[m]),  acc = sum_k w[m, k] * d[k, p]
// where d = u - zero is pixel p's activation quantized to uint8 with its own scale and zero point, computed
// here as each pixel chunk is packed. d lies in [-255, 255] and w in [-127, 127], so both fit int16 lanes and
// i32x4.dot_i16x8_s (SIMD128: pmaddwd on x64, smull + addp on arm64) sums pairs of products exactly in int32:
// 8 multiply-adds per instruction where f32x4 does 4. Relaxed SIMD's i8 x i7 dot would do 16, but its 7-bit
// operand costs a bit of activation or weight precision (docs/QUANTIZATION.md measures it), so both builds
// run this kernel and give the same integers. Register tile: 4 output channels x 8 pixels, 8 int32
// accumulators, as in gemm.ts; the panel stores each pixel's pairs (k, k + 1) side by side so a broadcast
// weight pair (one i32 splat) meets 4 pixels per instruction.

import {
  GEMM_INT8_CHUNK_PIXELS as CHUNK_PIXELS,
  GEMM_PANEL_FLOATS as PANEL_FLOATS,
} from "./constants.generated";
import { finishRow } from "./gemm";
import { k, T_F32_255, T_F32_2P23, T_I32_FFFF } from "./table";

const PANEL_BYTES = PANEL_FLOATS << 2; // the float GEMM's panel budget, in bytes (L2-sized)
const CHUNK_BYTES = 262144; // the panel of one chunk when a whole plane does not fit PANEL_BYTES

/** t clamped to [0, 255] (NaN -> 0) and rounded to an integer level, as its float32 bits (2^23 + level). */
@inline
function levelBits(t: v128): v128 {
  const clamped = f32x4.pmin(f32x4.pmax(f32x4.splat(0), t), k(T_F32_255));
  return f32x4.add(clamped, k(T_F32_2P23));
}

/**
 * Quantizes pixels [0, n) of x (K planes, rowBytes apart; n a multiple of 8) into `panel`: strip j (pixels
 * 8j..8j+7) holds, for each pair (k, k + 1) of the K2 = K rounded up to even rows, 8 pixels x 2 int16 values
 * [p: d(k), d(k + 1)] (32 bytes; d(K) = 0 when K is odd); scales[p] receives pixel p's dequantization scale.
 * Two passes per strip: the pixels' ranges over all K, then the values.
 */
function quantizePanel(panel: usize, scales: usize, x: usize, K: i32, rowBytes: usize, n: i32): void {
  const stripBytes = <usize>((K + 1) & ~1) << 4;
  for (let j = 0; j < n; j += 8) {
    const src = x + ((<usize>j) << 2);
    let lo0 = f32x4.splat(0); // the range always includes 0 (DynamicQuantizeLinear's rule)
    let lo1 = lo0;
    let hi0 = lo0;
    let hi1 = lo0;
    let p = src;
    for (let kk = 0; kk < K; kk++) {
      const a = v128.load(p);
      const b = v128.load(p, 16);
      lo0 = f32x4.pmin(lo0, a); // a < lo ? a : lo: a NaN is skipped
      lo1 = f32x4.pmin(lo1, b);
      hi0 = f32x4.pmax(hi0, a);
      hi1 = f32x4.pmax(hi1, b);
      p += rowBytes;
    }
    const range0 = f32x4.sub(hi0, lo0);
    const range1 = f32x4.sub(hi1, lo1);
    v128.store(scales + ((<usize>j) << 2), f32x4.div(range0, k(T_F32_255)));
    v128.store(scales + ((<usize>j) << 2), f32x4.div(range1, k(T_F32_255)), 16);
    // 255 / range, or 0 for an all-zero pixel (range 0)
    const inv0 = v128.and(f32x4.div(k(T_F32_255), range0), f32x4.gt(range0, f32x4.splat(0)));
    const inv1 = v128.and(f32x4.div(k(T_F32_255), range1), f32x4.gt(range1, f32x4.splat(0)));
    // the zero point: the level of 0, as float32 (zf) and as its float32 bits (zb, 2^23 + zero)
    const zb0 = levelBits(f32x4.mul(f32x4.neg(lo0), inv0));
    const zb1 = levelBits(f32x4.mul(f32x4.neg(lo1), inv1));
    const zf0 = f32x4.sub(zb0, k(T_F32_2P23));
    const zf1 = f32x4.sub(zb1, k(T_F32_2P23));
    // d = level(x * inv + zero) - zero: the difference of two levels' bits
    let dst = panel + (<usize>(j >> 3)) * stripBytes;
    p = src;
    for (let kk = 0; kk < K; kk += 2) {
      const a0 = i32x4.sub(levelBits(f32x4.add(f32x4.mul(v128.load(p), inv0), zf0)), zb0);
      const a1 = i32x4.sub(levelBits(f32x4.add(f32x4.mul(v128.load(p, 16), inv1), zf1)), zb1);
      let b0 = i32x4.splat(0);
      let b1 = b0;
      if (kk + 1 < K) {
        b0 = i32x4.sub(levelBits(f32x4.add(f32x4.mul(v128.load(p + rowBytes), inv0), zf0)), zb0);
        b1 = i32x4.sub(levelBits(f32x4.add(f32x4.mul(v128.load(p + rowBytes, 16), inv1), zf1)), zb1);
      }
      // int16 lanes [d(k), d(k + 1)] per pixel: the low half of a's lanes, b's shifted over them
      v128.store(dst, v128.or(v128.and(a0, k(T_I32_FFFF)), i32x4.shl(b0, 16)));
      v128.store(dst, v128.or(v128.and(a1, k(T_I32_FFFF)), i32x4.shl(b1, 16)), 16);
      dst += 32;
      p += rowBytes << 1;
    }
  }
}

/**
 * The weight pairs of rows w[0..rows) (row length K bytes; rows <= 4, missing rows zero) as int16:
 * wpack[kp] = [r0: w(2kp), w(2kp + 1)][r1: ...][r2][r3] (16 bytes), kp < K2 / 2, w(K) = 0 when K is odd.
 */
@inline
function packRowsInt8(wpack: usize, w: usize, K: i32, rows: i32): void {
  const kBytes = <usize>K;
  let kk = 0;
  if (rows == 4) {
    // 8 k of each row sign-extended to int16, then a 4 x 4 transpose of their (k, k + 1) pairs
    for (; kk + 8 <= K; kk += 8) {
      const src = w + <usize>kk;
      const r0 = v128.load8x8_s(src);
      const r1 = v128.load8x8_s(src + kBytes);
      const r2 = v128.load8x8_s(src + 2 * kBytes);
      const r3 = v128.load8x8_s(src + 3 * kBytes);
      const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
      const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      const dst = wpack + ((<usize>kk) << 3);
      v128.store(dst, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
      v128.store(dst, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), 16);
      v128.store(dst, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), 32);
      v128.store(dst, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), 48);
    }
  }
  const K2 = (K + 1) & ~1;
  for (; kk < K2; kk++) {
    const dst = wpack + ((<usize>(kk >> 1)) << 4) + ((<usize>(kk & 1)) << 1);
    for (let r = 0; r < 4; r++) {
      const v: i32 = r < rows && kk < K ? <i32>load<i8>(w + <usize>r * kBytes + <usize>kk) : 0;
      store<i16>(dst + ((<usize>r) << 2), <i16>v);
    }
  }
}

/** The float32 outputs of one row of the tile: f32(acc) * f32(scale * xscale), then finishRow's epilogue. */
@inline
function finishInt8Row(
  o: usize,
  a0: v128,
  a1: v128,
  scale: usize,
  xs0: v128,
  xs1: v128,
  bias: usize,
  gamma: usize,
  mode: i32,
): void {
  const s = v128.load32_splat(scale);
  const v0 = f32x4.mul(f32x4.convert_i32x4_s(a0), f32x4.mul(s, xs0));
  const v1 = f32x4.mul(f32x4.convert_i32x4_s(a1), f32x4.mul(s, xs1));
  finishRow(o, v0, v1, bias, gamma, mode);
}

/**
 * The last strip of a plane when it holds at most 4 real pixels (stage 4's 7 x 7 planes end with one): only
 * its first 4 pixels, 4 accumulators.
 */
@inline
function halfTile(
  o: usize,
  xp: usize,
  wpack: usize,
  wEnd: usize,
  rows: i32,
  rowBytes: usize,
  sm: usize,
  xs: usize,
  bm: usize,
  gm: usize,
  mode: i32,
): void {
  let a0 = i32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  for (let wp = wpack; wp < wEnd; wp += 16) {
    const x0 = v128.load(xp);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x0, v128.load32_splat(wp)));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x0, v128.load32_splat(wp, 4)));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(x0, v128.load32_splat(wp, 8)));
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(x0, v128.load32_splat(wp, 12)));
    xp += 32;
  }
  // finishRow writes 8 outputs: the other 4 are padding, computed as if their sums were 0
  const xs0 = v128.load(xs);
  const zero = i32x4.splat(0);
  finishInt8Row(o, a0, zero, sm, xs0, xs0, bm, gm, mode);
  if (rows > 1) finishInt8Row(o + rowBytes, a1, zero, sm + 4, xs0, xs0, bm + 4, gm + 4, mode);
  if (rows > 2) finishInt8Row(o + 2 * rowBytes, a2, zero, sm + 8, xs0, xs0, bm + 8, gm + 8, mode);
  if (rows > 3) finishInt8Row(o + 3 * rowBytes, a3, zero, sm + 12, xs0, xs0, bm + 12, gm + 12, mode);
}

/**
 * out    [nImg, M, P]   (P a multiple of 8; only rows r0 <= img * M + m < r1 are written)
 * w      [M, K] int8; scale [M] float32 (w[m, k] * scale[m] is the weight)
 * x      [nImg, K, P] float32
 * bias   [M]; gamma [M] (read only in GEMM_MODE_SCALE_RESIDUAL); mode: GEMM_MODE_* of assembly/gemm.ts
 * pixels real pixels per plane (P - 8 < pixels <= P; the padding is computed too, or, in a last strip with at
 *        most 4 real pixels, given the bias alone)
 * pack   per thread, at packBase + tid * packBytes: the pixel scales (GEMM_INT8_CHUNK_PIXELS floats), the
 *        quantized panel (at most PANEL_BYTES), then the packed weight rows (8 K2 bytes)
 */
export function gemmInt8(
  out: usize,
  w: usize,
  scale: usize,
  x: usize,
  bias: usize,
  gamma: usize,
  M: i32,
  K: i32,
  P: i32,
  nImg: i32,
  mode: i32,
  packBase: usize,
  packBytes: usize,
  pixels: i32,
  r0: i32,
  r1: i32,
  tid: i32,
): void {
  const pack = packBase + <usize>tid * packBytes;
  const K2 = (K + 1) & ~1;
  const stripBytes = (<usize>K2) << 4;
  const rowBytes = (<usize>P) << 2;
  // pixels per panel: a whole plane when its panel fits PANEL_BYTES, else chunks of CHUNK_BYTES
  let chunk = 2 * K2 * P <= PANEL_BYTES ? P : (CHUNK_BYTES / (2 * K2)) & ~7;
  chunk = min(max(chunk, 8), CHUNK_PIXELS);
  const scales = pack;
  const panel = pack + ((<usize>CHUNK_PIXELS) << 2);
  const wpack = panel + <usize>(chunk >> 3) * stripBytes;
  const wEnd = wpack + ((<usize>K2) << 3);
  const imgEnd = min(nImg, (r1 + M - 1) / M);
  for (let img = r0 / M; img < imgEnd; img++) {
    const m0 = max(0, r0 - img * M);
    const m1 = min(M, r1 - img * M);
    const xi = x + <usize>img * <usize>K * rowBytes;
    const oi = out + <usize>img * <usize>M * rowBytes;
    for (let c0 = 0; c0 < P; c0 += chunk) {
      const c1 = min(P, c0 + chunk);
      quantizePanel(panel, scales, xi + ((<usize>c0) << 2), K, rowBytes, c1 - c0);
      for (let m = m0; m < m1; m += 4) {
        const rows = min(4, m1 - m);
        packRowsInt8(wpack, w + <usize>m * <usize>K, K, rows);
        const sm = scale + ((<usize>m) << 2);
        const bm = bias + ((<usize>m) << 2);
        const gm = gamma + ((<usize>m) << 2);
        for (let p = c0; p < c1; p += 8) {
          const o = oi + <usize>m * rowBytes + ((<usize>p) << 2);
          const xs = scales + ((<usize>(p - c0)) << 2);
          if (pixels - p <= 4) {
            const xp = panel + <usize>((p - c0) >> 3) * stripBytes;
            halfTile(o, xp, wpack, wEnd, rows, rowBytes, sm, xs, bm, gm, mode);
            continue;
          }
          let a00 = i32x4.splat(0);
          let a01 = a00;
          let a10 = a00;
          let a11 = a00;
          let a20 = a00;
          let a21 = a00;
          let a30 = a00;
          let a31 = a00;
          let xp = panel + <usize>((p - c0) >> 3) * stripBytes;
          for (let wp = wpack; wp < wEnd; wp += 16) {
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
          const xs0 = v128.load(xs);
          const xs1 = v128.load(xs, 16);
          finishInt8Row(o, a00, a01, sm, xs0, xs1, bm, gm, mode);
          if (rows > 1) finishInt8Row(o + rowBytes, a10, a11, sm + 4, xs0, xs1, bm + 4, gm + 4, mode);
          if (rows > 2) finishInt8Row(o + 2 * rowBytes, a20, a21, sm + 8, xs0, xs1, bm + 8, gm + 8, mode);
          if (rows > 3) finishInt8Row(o + 3 * rowBytes, a30, a31, sm + 12, xs0, xs1, bm + 12, gm + 12, mode);
        }
      }
    }
  }
}
