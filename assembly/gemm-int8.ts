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
import { GEMM_MODE_GELU as MODE_GELU } from "./constants.generated";
import { geluQuad } from "./gelu";
import { finishRow } from "./gemm";
import { k, T_F32_255, T_F32_2P23, T_F32_2P23_255, T_I32_FFFF } from "./table";

const PANEL_BYTES: usize = <usize>PANEL_FLOATS << 2; // the float GEMM's panel budget, in bytes (L2-sized)

/**
 * The level of a + zero (zm = zero + 2^23): the float32 sum rounds to an integer (ties to even; float32 values
 * in [2^23, 2^24) are the integers), clamped to [2^23, 2^23 + 255], NaN -> 2^23. Its float32 bits are
 * 0x4B000000 + the level. (src/ops/quantize.ts: level)
 */
@inline
function levelOf(a: v128, zm: v128): v128 {
  return f32x4.pmin(f32x4.pmax(k(T_F32_2P23), f32x4.add(a, zm)), k(T_F32_2P23_255));
}

/** Two rows' levels of 4 pixels as int16 pairs [u(k), u(k + 1)] per pixel, minus the zero points `zpair`. */
@inline
function pairs(ua: v128, ub: v128, zpair: v128): v128 {
  return i16x8.sub(v128.or(v128.and(ua, k(T_I32_FFFF)), i32x4.shl(ub, 16)), zpair);
}

/**
 * Pixels 8j'..8j' + 7 of a panel (one strip, src: their K values, rowBytes apart) from their ranges
 * [lo, hi] (2 vectors each): the scales, then the values d = u - zero into the strip at dst, as int16
 * pairs [d(k), d(k + 1)] per pixel (d(K) = 0 when K is odd).
 */
@inline
function quantizeStrip(dst: usize, scales: usize, src: usize, K: i32, rowBytes: usize, lo0: v128, lo1: v128, hi0: v128, hi1: v128): void { // prettier-ignore
  const range0 = f32x4.sub(hi0, lo0);
  const range1 = f32x4.sub(hi1, lo1);
  v128.store(scales, f32x4.div(range0, k(T_F32_255)));
  v128.store(scales, f32x4.div(range1, k(T_F32_255)), 16);
  // 255 / range, or 0 for an all-zero pixel (range 0)
  const inv0 = v128.and(f32x4.div(k(T_F32_255), range0), f32x4.gt(range0, f32x4.splat(0)));
  const inv1 = v128.and(f32x4.div(k(T_F32_255), range1), f32x4.gt(range1, f32x4.splat(0)));
  // the zero point (the level of 0) + 2^23, and as int16 pairs [zero, zero]
  const zm0 = levelOf(f32x4.mul(f32x4.neg(lo0), inv0), k(T_F32_2P23));
  const zm1 = levelOf(f32x4.mul(f32x4.neg(lo1), inv1), k(T_F32_2P23));
  const zpair0 = v128.or(v128.and(zm0, k(T_I32_FFFF)), i32x4.shl(zm0, 16));
  const zpair1 = v128.or(v128.and(zm1, k(T_I32_FFFF)), i32x4.shl(zm1, 16));
  let p = src;
  for (let kk = 0; kk < K; kk += 2) {
    const a0 = levelOf(f32x4.mul(v128.load(p), inv0), zm0);
    const a1 = levelOf(f32x4.mul(v128.load(p, 16), inv1), zm1);
    let b0 = zm0; // d(K) = 0
    let b1 = zm1;
    if (kk + 1 < K) {
      b0 = levelOf(f32x4.mul(v128.load(p + rowBytes), inv0), zm0);
      b1 = levelOf(f32x4.mul(v128.load(p + rowBytes, 16), inv1), zm1);
    }
    v128.store(dst, pairs(a0, b0, zpair0));
    v128.store(dst, pairs(a1, b1, zpair1), 16);
    dst += 32;
    p += rowBytes << 1;
  }
}

/**
 * Quantizes pixels [0, n) of x (K planes, rowBytes apart; n a multiple of 8) into `panel`: strip j (pixels
 * 8j..8j+7) holds, for each pair (k, k + 1) of the K2 = K rounded up to even rows, 8 pixels x 2 int16 values
 * [p: d(k), d(k + 1)] (32 bytes); scales[p] receives pixel p's dequantization scale. Two passes: the pixels'
 * ranges over all K, 16 pixels (whole cache lines) at a time, then each strip's values.
 */
function quantizePanel(panel: usize, scales: usize, x: usize, K: i32, rowBytes: usize, n: i32): void {
  const stripBytes = <usize>((K + 1) & ~1) << 4;
  for (let j = 0; j < n; j += 16) {
    const src = x + ((<usize>j) << 2);
    const dst = panel + (<usize>(j >> 3)) * stripBytes;
    const sj = scales + ((<usize>j) << 2);
    let lo0 = f32x4.splat(0); // the range always includes 0 (DynamicQuantizeLinear's rule)
    let lo1 = lo0;
    let hi0 = lo0;
    let hi1 = lo0;
    let p = src;
    if (j + 16 > n) {
      for (let kk = 0; kk < K; kk++) {
        const a = v128.load(p);
        const b = v128.load(p, 16);
        lo0 = f32x4.pmin(lo0, a); // a < lo ? a : lo: a NaN is skipped
        lo1 = f32x4.pmin(lo1, b);
        hi0 = f32x4.pmax(hi0, a);
        hi1 = f32x4.pmax(hi1, b);
        p += rowBytes;
      }
      quantizeStrip(dst, sj, src, K, rowBytes, lo0, lo1, hi0, hi1);
      continue;
    }
    let lo2 = lo0;
    let lo3 = lo0;
    let hi2 = lo0;
    let hi3 = lo0;
    for (let kk = 0; kk < K; kk++) {
      const a = v128.load(p);
      const b = v128.load(p, 16);
      const c = v128.load(p, 32);
      const d = v128.load(p, 48);
      lo0 = f32x4.pmin(lo0, a);
      lo1 = f32x4.pmin(lo1, b);
      lo2 = f32x4.pmin(lo2, c);
      lo3 = f32x4.pmin(lo3, d);
      hi0 = f32x4.pmax(hi0, a);
      hi1 = f32x4.pmax(hi1, b);
      hi2 = f32x4.pmax(hi2, c);
      hi3 = f32x4.pmax(hi3, d);
      p += rowBytes;
    }
    quantizeStrip(dst, sj, src, K, rowBytes, lo0, lo1, hi0, hi1);
    quantizeStrip(dst + stripBytes, sj + 32, src + 32, K, rowBytes, lo2, lo3, hi2, hi3);
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

/** f32(acc) * f32(scale * xscale) + bias for 4 pixels of one row (scale, bias: that row's). */
@inline
function dequantize(acc: v128, scale: usize, xs: v128, bias: usize): v128 {
  const v = f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.mul(v128.load32_splat(scale), xs));
  return f32x4.add(v, v128.load32_splat(bias));
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

/** The 4 rows x 8 pixels tile: strip `xp` of the panel against the packed weight pairs [wpack, wEnd). */
@inline
function tile(
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
  let a00 = i32x4.splat(0);
  let a01 = a00;
  let a10 = a00;
  let a11 = a00;
  let a20 = a00;
  let a21 = a00;
  let a30 = a00;
  let a31 = a00;
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
  if (mode == MODE_GELU && rows == 4) {
    // the GELU of the tile's 8 vectors, four chains at a time
    const v00 = dequantize(a00, sm, xs0, bm);
    const v01 = dequantize(a01, sm, xs1, bm);
    const v10 = dequantize(a10, sm + 4, xs0, bm + 4);
    const v11 = dequantize(a11, sm + 4, xs1, bm + 4);
    geluQuad(o, v00, o + 16, v01, o + rowBytes, v10, o + rowBytes + 16, v11);
    const v20 = dequantize(a20, sm + 8, xs0, bm + 8);
    const v21 = dequantize(a21, sm + 8, xs1, bm + 8);
    const v30 = dequantize(a30, sm + 12, xs0, bm + 12);
    const v31 = dequantize(a31, sm + 12, xs1, bm + 12);
    const o2 = o + 2 * rowBytes;
    geluQuad(o2, v20, o2 + 16, v21, o2 + rowBytes, v30, o2 + rowBytes + 16, v31);
    return;
  }
  finishInt8Row(o, a00, a01, sm, xs0, xs1, bm, gm, mode);
  if (rows > 1) finishInt8Row(o + rowBytes, a10, a11, sm + 4, xs0, xs1, bm + 4, gm + 4, mode);
  if (rows > 2) finishInt8Row(o + 2 * rowBytes, a20, a21, sm + 8, xs0, xs1, bm + 8, gm + 8, mode);
  if (rows > 3) finishInt8Row(o + 3 * rowBytes, a30, a31, sm + 12, xs0, xs1, bm + 12, gm + 12, mode);
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
 * Pixels are quantized a panel at a time: a whole plane, or chunks of a large one. When whole planes fit,
 * a panel holds several whole images (a thread's share of a batch) and each 4-row block of weights is packed
 * once for all of them: packing per image cost 14% of stage 4's pwconv1 at batch 8 (7 x 7 planes, 3072 rows).
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
  const planePanel = <usize>(P >> 3) * stripBytes; // a whole plane's panel
  const whole = planePanel <= PANEL_BYTES && P <= CHUNK_PIXELS;
  const perPanel = whole ? min(<i32>(PANEL_BYTES / planePanel), CHUNK_PIXELS / P) : 1; // images per panel
  const chunk = whole ? P : min(max(<i32>(PANEL_BYTES / (2 * K2)) & ~7, 8), CHUNK_PIXELS); // pixels per panel
  const scales = pack;
  const panel = pack + ((<usize>CHUNK_PIXELS) << 2);
  const wpack = panel + (whole ? <usize>perPanel * planePanel : <usize>(chunk >> 3) * stripBytes);
  const wEnd = wpack + ((<usize>K2) << 3);
  const imgEnd = min(nImg, (r1 + M - 1) / M);
  for (let img = r0 / M; img < imgEnd; ) {
    const m0 = max(0, r0 - img * M);
    const m1 = min(M, r1 - img * M);
    // images whose rows are all in [r0, r1) share a panel
    let g = 1;
    if (whole && m0 == 0 && m1 == M) while (g < perPanel && img + g < imgEnd && (img + g + 1) * M <= r1) g++;
    for (let c0 = 0; c0 < P; c0 += chunk) {
      const c1 = min(P, c0 + chunk);
      const n = c1 - c0;
      const imgPanel = <usize>(n >> 3) * stripBytes;
      for (let i = 0; i < g; i++) {
        const xi = x + <usize>(img + i) * <usize>K * rowBytes + ((<usize>c0) << 2);
        quantizePanel(panel + <usize>i * imgPanel, scales + ((<usize>(i * n)) << 2), xi, K, rowBytes, n);
      }
      for (let m = m0; m < m1; m += 4) {
        const rows = min(4, m1 - m);
        packRowsInt8(wpack, w + <usize>m * <usize>K, K, rows);
        const sm = scale + ((<usize>m) << 2);
        const bm = bias + ((<usize>m) << 2);
        const gm = gamma + ((<usize>m) << 2);
        for (let i = 0; i < g; i++) {
          const oi = out + (<usize>(img + i) * <usize>M + <usize>m) * rowBytes;
          for (let p = c0; p < c1; p += 8) {
            const o = oi + ((<usize>p) << 2);
            const xs = scales + ((<usize>(i * n + p - c0)) << 2);
            const xp = panel + <usize>i * imgPanel + <usize>((p - c0) >> 3) * stripBytes;
            if (pixels - p <= 4) halfTile(o, xp, wpack, wEnd, rows, rowBytes, sm, xs, bm, gm, mode);
            else tile(o, xp, wpack, wEnd, rows, rowBytes, sm, xs, bm, gm, mode);
          }
        }
      }
    }
    img += g;
  }
}
