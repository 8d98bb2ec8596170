// The pointwise layers as GEMMs on channels-first planes: out[m, p] = sum_k w[m, k] * x[k, p] per image,
// w in PyTorch's [out, in] layout (weights are used as loaded; each 4-row block is copied interleaved, see
// packRows). Register tile: 4 output channels x 8 pixels (8 accumulators, 2 pixel vectors, 1 broadcast
// weight: fits the 16 SIMD registers). Pixels are
// walked in chunks; each chunk's K x chunk panel of x is first packed into 8-pixel-wide strips (a
// thread-private copy) so the k loop reads consecutive bytes instead of striding a whole plane per step
// (which missed the TLB on every k), and the packed panel stays in L2 while every row block streams over it.
// Weights may be float16 or bfloat16 (a flag in the mode): packRows widens them, so 16-bit weights stay
// 16-bit in memory and the tile loop is the same.

import {
  GEMM_MODE_BIAS as MODE_BIAS,
  GEMM_MODE_COLUMN_BIAS as MODE_COLUMN_BIAS,
  GEMM_MODE_GELU as MODE_GELU,
  GEMM_MODE_RESIDUAL as MODE_RESIDUAL,
  GEMM_MODE_SCALE_RESIDUAL as MODE_SCALE_RESIDUAL,
  GEMM_PANEL_FLOATS as PANEL_FLOATS,
  GEMM_WEIGHTS_BF16 as WEIGHTS_BF16,
  GEMM_WEIGHTS_F16 as WEIGHTS_F16,
} from "./constants.generated";
import { fmadd } from "./fma";
import { gelu4, geluPair } from "./gelu";
import { bfloat16ToFloat4, halfToFloat4, load16AsFloat } from "./half";

// Packed x per pixel chunk: a whole plane when its panel fits PANEL_FLOATS (704 KB, assembly/constants.mjs),
// else chunks of that size. The last stages' large w then streams from memory once per GEMM instead of once
// per chunk, and each 4-row block of weights is packed (16-bit ones widened) once per chunk: as few chunks as
// fit (measurements: bench/RESULTS.md, "Why the kernels look as they do").

/**
 * wpack[4k + r] = w[r, k] for the 4 rows at w (row length K): the tile loop then reads its 4 weights at
 * fixed offsets from one pointer: three address computations fewer per step of the k loop.
 */
@inline
function packRows(wpack: usize, w: usize, K: i32, format: i32): void {
  if (format != 0) {
    packRows16(wpack, w, K, format == WEIGHTS_BF16);
    return;
  }
  const kBytes = (<usize>K) << 2;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const src = w + ((<usize>k) << 2);
    transposeStore(wpack + ((<usize>k) << 4), v128.load(src), v128.load(src + kBytes), v128.load(src + 2 * kBytes), v128.load(src + 3 * kBytes)); // prettier-ignore
  }
  for (; k < K; k++) {
    const src = w + ((<usize>k) << 2);
    const dst = wpack + ((<usize>k) << 4);
    store<f32>(dst, load<f32>(src));
    store<f32>(dst, load<f32>(src + kBytes), 4);
    store<f32>(dst, load<f32>(src + 2 * kBytes), 8);
    store<f32>(dst, load<f32>(src + 3 * kBytes), 12);
  }
}

/** Stores rows r0..r3 (4 values of one k range each) transposed: dst[4j + r] = r_r[j]. */
@inline
function transposeStore(dst: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
}

/** packRows for 16-bit weights (row length K, 2 bytes each): widened to float32 four at a time. */
function packRows16(wpack: usize, w: usize, K: i32, bf16: bool): void {
  const kBytes = (<usize>K) << 1;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const src = w + ((<usize>k) << 1);
    let r0 = v128.load16x4_u(src);
    let r1 = v128.load16x4_u(src + kBytes);
    let r2 = v128.load16x4_u(src + 2 * kBytes);
    let r3 = v128.load16x4_u(src + 3 * kBytes);
    if (bf16) {
      r0 = bfloat16ToFloat4(r0);
      r1 = bfloat16ToFloat4(r1);
      r2 = bfloat16ToFloat4(r2);
      r3 = bfloat16ToFloat4(r3);
    } else {
      r0 = halfToFloat4(r0);
      r1 = halfToFloat4(r1);
      r2 = halfToFloat4(r2);
      r3 = halfToFloat4(r3);
    }
    transposeStore(wpack + ((<usize>k) << 4), r0, r1, r2, r3);
  }
  for (; k < K; k++) {
    const src = w + ((<usize>k) << 1);
    const dst = wpack + ((<usize>k) << 4);
    for (let r = 0; r < 4; r++) store<f32>(dst + ((<usize>r) << 2), load16AsFloat(src + <usize>r * kBytes, bf16));
  }
}

@inline
function finish(out: usize, acc: v128, b: v128, g: v128, mode: i32): void {
  let v = f32x4.add(acc, b);
  if (mode == MODE_SCALE_RESIDUAL) v = f32x4.add(v128.load(out), f32x4.mul(g, v));
  else if (mode == MODE_RESIDUAL) v = f32x4.add(v128.load(out), v);
  v128.store(out, v);
}

/** finish() for the 8 outputs of one row; bias and gamma are read here, not held in registers. */
@inline
export function finishRow(out: usize, a0: v128, a1: v128, bias: usize, gamma: usize, mode: i32): void {
  if (mode == MODE_COLUMN_BIAS) {
    // bias points at the 8 columns' own
    v128.store(out, f32x4.add(a0, v128.load(bias)));
    v128.store(out, f32x4.add(a1, v128.load(bias, 16)), 16);
    return;
  }
  const b = v128.load32_splat(bias);
  if (mode == MODE_GELU) {
    geluPair(out, f32x4.add(a0, b), f32x4.add(a1, b));
    return;
  }
  const g = mode == MODE_SCALE_RESIDUAL ? v128.load32_splat(gamma) : f32x4.splat(1);
  finish(out, a0, b, g, mode);
  finish(out + 16, a1, b, g, mode);
}

/**
 * The last n <= 4 real pixels of a plane (the rest of the strip is padding) for the 4 packed rows, with the
 * rows in the vector lanes: acc_j = sum_k wpack[k] * x[k, j], one multiply-add per pixel and k where the
 * 8-pixel tile would spend eight. Stage 4's 7 x 7 planes are 6 strips and one pixel. Each sum is one chain
 * of dependent adds, so with one or two pixels the k range is also split in four or two interleaved partial
 * sums (one chain costs the add's latency per k).
 */
@inline
function tailTile(
  o: usize,
  xp: usize,
  wp: usize,
  K: i32,
  n: i32,
  bias: usize,
  gamma: usize,
  mode: i32,
  rowBytes: usize,
): void {
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  const wEnd = wp + ((<usize>K) << 4);
  const bStep: usize = mode == MODE_COLUMN_BIAS ? 4 : 0; // from one pixel's bias to the next's
  if (n == 1) {
    // a0..a3: pixel 0 over k = 0, 1, 2, 3 (mod 4)
    for (; wp + 64 <= wEnd; wp += 64, xp += 128) {
      a0 = fmadd(a0, v128.load(wp), v128.load32_splat(xp));
      a1 = fmadd(a1, v128.load(wp, 16), v128.load32_splat(xp, 32));
      a2 = fmadd(a2, v128.load(wp, 32), v128.load32_splat(xp, 64));
      a3 = fmadd(a3, v128.load(wp, 48), v128.load32_splat(xp, 96));
    }
    for (; wp < wEnd; wp += 16, xp += 32) a0 = fmadd(a0, v128.load(wp), v128.load32_splat(xp));
    finishColumn(o, f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), bias, gamma, mode, rowBytes);
    return;
  }
  if (n == 2) {
    // a0, a1: pixels 0 and 1 over even k; a2, a3: over odd k
    for (; wp + 32 <= wEnd; wp += 32, xp += 64) {
      const w0 = v128.load(wp);
      const w1 = v128.load(wp, 16);
      a0 = fmadd(a0, w0, v128.load32_splat(xp));
      a1 = fmadd(a1, w0, v128.load32_splat(xp, 4));
      a2 = fmadd(a2, w1, v128.load32_splat(xp, 32));
      a3 = fmadd(a3, w1, v128.load32_splat(xp, 36));
    }
    if (wp < wEnd) {
      const w0 = v128.load(wp);
      a0 = fmadd(a0, w0, v128.load32_splat(xp));
      a1 = fmadd(a1, w0, v128.load32_splat(xp, 4));
    }
    finishColumn(o, f32x4.add(a0, a2), bias, gamma, mode, rowBytes);
    finishColumn(o + 4, f32x4.add(a1, a3), bias + bStep, gamma, mode, rowBytes);
    return;
  }
  while (wp < wEnd) {
    const w4 = v128.load(wp);
    a0 = fmadd(a0, w4, v128.load32_splat(xp));
    a1 = fmadd(a1, w4, v128.load32_splat(xp, 4));
    a2 = fmadd(a2, w4, v128.load32_splat(xp, 8));
    a3 = fmadd(a3, w4, v128.load32_splat(xp, 12));
    xp += 32;
    wp += 16;
  }
  finishColumn(o, a0, bias, gamma, mode, rowBytes);
  finishColumn(o + 4, a1, bias + bStep, gamma, mode, rowBytes);
  finishColumn(o + 8, a2, bias + 2 * bStep, gamma, mode, rowBytes);
  finishColumn(o + 12, a3, bias + 3 * bStep, gamma, mode, rowBytes);
}

/** The epilogue for one pixel of 4 rows (lane r is out[m + r, p] at o + r rowBytes). */
@inline
function finishColumn(o: usize, acc: v128, bias: usize, gamma: usize, mode: i32, rowBytes: usize): void {
  let v = f32x4.add(acc, mode == MODE_COLUMN_BIAS ? v128.load32_splat(bias) : v128.load(bias));
  if (mode == MODE_GELU) v = gelu4(v);
  else if (mode == MODE_SCALE_RESIDUAL || mode == MODE_RESIDUAL) {
    let old = f32x4.splat(load<f32>(o));
    old = f32x4.replace_lane(old, 1, load<f32>(o + rowBytes));
    old = f32x4.replace_lane(old, 2, load<f32>(o + 2 * rowBytes));
    old = f32x4.replace_lane(old, 3, load<f32>(o + 3 * rowBytes));
    v = f32x4.add(old, mode == MODE_SCALE_RESIDUAL ? f32x4.mul(v128.load(gamma), v) : v);
  }
  store<f32>(o, f32x4.extract_lane(v, 0));
  store<f32>(o + rowBytes, f32x4.extract_lane(v, 1));
  store<f32>(o + 2 * rowBytes, f32x4.extract_lane(v, 2));
  store<f32>(o + 3 * rowBytes, f32x4.extract_lane(v, 3));
}

/**
 * out   [nImg, M, P]   (P a multiple of 8; only rows r0 <= img * M + m < r1 are written)
 * w     [M, K]: float32, or float16 / bfloat16 bits (GEMM_WEIGHTS_F16 / _BF16 in the mode)
 * x     [nImg, K, P]
 * bias  [M] ([P] in MODE_COLUMN_BIAS); gamma [M] (read only in MODE_SCALE_RESIDUAL)
 * pixels  real pixels per plane (P - 8 < pixels <= P): a last strip with at most 4 real pixels goes to
 *       tailTile, otherwise the 8-pixel tiles compute the padding too
 * pack  per thread, at packBase + tid * packBytes: max(PANEL_FLOATS, 8 K) floats of x panel, then 4 K of
 *       packed weights
 * The mode stays a runtime value: one inlined copy per mode was no faster (and Binaryen folds such copies
 * back into one).
 */
export function gemm(
  out: usize,
  w: usize,
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
  gemmOf(out, w, x, bias, gamma, M, K, P, nImg, mode, 0, packBase, packBytes, pixels, r0, r1, tid);
}

/**
 * gemm with 16-bit weights: the mode carries GEMM_WEIGHTS_F16 or _BF16. A separate export of the same body,
 * so the float32 one is compiled with the format folded away (as one kernel it ran 1-2% slower).
 */
export function gemm16(
  out: usize,
  w: usize,
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
  const format = mode & (WEIGHTS_F16 | WEIGHTS_BF16);
  gemmOf(out, w, x, bias, gamma, M, K, P, nImg, mode & ~format, format, packBase, packBytes, pixels, r0, r1, tid);
}

@inline
function gemmOf(
  out: usize,
  w: usize,
  x: usize,
  bias: usize,
  gamma: usize,
  M: i32,
  K: i32,
  P: i32,
  nImg: i32,
  mode: i32,
  format: i32,
  packBase: usize,
  packBytes: usize,
  pixels: i32,
  r0: i32,
  r1: i32,
  tid: i32,
): void {
  const pack = packBase + <usize>tid * packBytes;
  const wpack = pack + (<usize>max(PANEL_FLOATS, 8 * K) << 2);
  const rowBytes = (<usize>P) << 2;
  const kBytes = (<usize>K) << (format != 0 ? 1 : 2); // bytes per weight row
  let chunk = K * P <= PANEL_FLOATS ? P : (PANEL_FLOATS / K) & ~7;
  if (chunk < 8) chunk = 8;
  // [r0, r1) counts output rows over all images (img * M + m): threads split by image when the batch
  // allows, so each packs only the panels it uses, and by rows within an image otherwise
  const imgEnd = min(nImg, (r1 + M - 1) / M);
  for (let img = r0 / M; img < imgEnd; img++) {
    const m0 = max(0, r0 - img * M);
    const m1 = min(M, r1 - img * M);
    const xi = x + <usize>img * <usize>K * rowBytes;
    const oi = out + <usize>img * <usize>M * rowBytes;
    for (let c0 = 0; c0 < P; c0 += chunk) {
      const c1 = min(P, c0 + chunk);
      // pack: strip j holds x[k, c0 + 8j .. c0 + 8j + 8) for k = 0..K, contiguously
      for (let p = c0; p < c1; p += 8) {
        let dst = pack + <usize>((p - c0) * K) * 4;
        let src = xi + ((<usize>p) << 2);
        for (let k = 0; k < K; k++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          dst += 32;
          src += rowBytes;
        }
      }
      let m = m0;
      for (; m + 4 <= m1; m += 4) {
        packRows(wpack, w + <usize>m * kBytes, K, format);
        const gm = gamma + ((<usize>m) << 2);
        for (let p = c0; p < c1; p += 8) {
          // the bias of each row, or of this strip's columns for every row (MODE_COLUMN_BIAS)
          const bm = mode == MODE_COLUMN_BIAS ? bias + ((<usize>p) << 2) : bias + ((<usize>m) << 2);
          const bStep: usize = mode == MODE_COLUMN_BIAS ? 0 : 4;
          const tail = pixels - p;
          if (tail <= 4) {
            const xp = pack + <usize>((p - c0) * K) * 4;
            const o = oi + <usize>m * rowBytes + ((<usize>p) << 2);
            if (tail == 1) tailTile(o, xp, wpack, K, 1, bm, gm, mode, rowBytes);
            else if (tail == 2) tailTile(o, xp, wpack, K, 2, bm, gm, mode, rowBytes);
            else tailTile(o, xp, wpack, K, 4, bm, gm, mode, rowBytes);
            continue;
          }
          let a00 = f32x4.splat(0);
          let a01 = a00;
          let a10 = a00;
          let a11 = a00;
          let a20 = a00;
          let a21 = a00;
          let a30 = a00;
          let a31 = a00;
          let xp = pack + <usize>((p - c0) * K) * 4;
          let wp = wpack;
          const wEnd = wpack + ((<usize>K) << 4);
          while (wp < wEnd) {
            const x0 = v128.load(xp);
            const x1 = v128.load(xp, 16);
            let s = v128.load32_splat(wp);
            a00 = fmadd(a00, s, x0);
            a01 = fmadd(a01, s, x1);
            s = v128.load32_splat(wp, 4);
            a10 = fmadd(a10, s, x0);
            a11 = fmadd(a11, s, x1);
            s = v128.load32_splat(wp, 8);
            a20 = fmadd(a20, s, x0);
            a21 = fmadd(a21, s, x1);
            s = v128.load32_splat(wp, 12);
            a30 = fmadd(a30, s, x0);
            a31 = fmadd(a31, s, x1);
            xp += 32;
            wp += 16;
          }
          const o = oi + <usize>m * rowBytes + ((<usize>p) << 2);
          finishRow(o, a00, a01, bm, gm, mode);
          finishRow(o + rowBytes, a10, a11, bm + bStep, gm + 4, mode);
          finishRow(o + 2 * rowBytes, a20, a21, bm + 2 * bStep, gm + 8, mode);
          finishRow(o + 3 * rowBytes, a30, a31, bm + 3 * bStep, gm + 12, mode);
        }
      }
      // leftover rows (M not a multiple of 4, or an odd split): one row at a time
      for (; m < m1; m++) {
        let w0 = w + <usize>m * kBytes;
        if (format != 0) {
          // 16-bit weights: the row widened into the weight pack space first
          for (let k = 0; k < K; k++) {
            store<f32>(wpack + ((<usize>k) << 2), load16AsFloat(w0 + ((<usize>k) << 1), format == WEIGHTS_BF16));
          }
          w0 = wpack;
        }
        for (let p = c0; p < c1; p += 8) {
          let a0 = f32x4.splat(0);
          let a1 = a0;
          let xp = pack + <usize>((p - c0) * K) * 4;
          for (let k = 0; k < K; k++) {
            const s = v128.load32_splat(w0 + ((<usize>k) << 2));
            a0 = fmadd(a0, s, v128.load(xp));
            a1 = fmadd(a1, s, v128.load(xp, 16));
            xp += 32;
          }
          const o = oi + <usize>m * rowBytes + ((<usize>p) << 2);
          const bm = mode == MODE_COLUMN_BIAS ? bias + ((<usize>p) << 2) : bias + ((<usize>m) << 2);
          finishRow(o, a0, a1, bm, gamma + ((<usize>m) << 2), mode);
        }
      }
    }
  }
}
