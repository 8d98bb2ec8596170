// Backward kernels of the training step (src/train): the depthwise conv's weight gradient, GELU's derivative
// and the weight-gradient GEMM (gemmTN). The other GEMMs of backpropagation reuse gemm (assembly/gemm.ts) on
// rearranged operands, and the depthwise conv's input gradient is dwconv with the kernel flipped.

import { GEMM_TN_BLOCK } from "./constants.generated";
import { fmadd } from "./fma";
import { gelu4Phi, geluArray } from "./gelu";

/**
 * Per-plane partial weight gradients of the depthwise conv: for plane q (channel q % C of one image),
 *   partial[q, ky, kx] = sum_{oy, ox} dy[q, oy, ox] * x[q, oy + ky - pad, ox + kx - pad]   (zero outside)
 * and the plane's share of the bias gradient, sums[q] = sum of dy[q], kept in float64 (the caller sums the
 * planes of each channel over the images: dy's values cancel). x and dy are copied into zero-bordered, row-padded scratch first, so every tap
 * is a dot product of whole vectors with no bounds tests.
 * partial [planes, k * k]; sums [planes] float64; dy, x [planes, P] (H * W real pixels, row-major)
 * scratch per thread: (H + 2 pad) * (W + 2 pad + 4) + H * W4 floats (W4 = W rounded up to 4), at
 *   scratchBase + tid * scratchBytes (dwconvGradScratchFloats in src/backend/workspace.ts)
 */
export function dwconvWeightGrad(
  partial: usize,
  sums: usize,
  dy: usize,
  x: usize,
  H: i32,
  W: i32,
  P: i32,
  k: i32,
  pad: i32,
  scratchBase: usize,
  scratchBytes: usize,
  q0: i32,
  q1: i32,
  tid: i32,
): void {
  const scratch = scratchBase + <usize>tid * scratchBytes;
  const Ws = W + 2 * pad + 4;
  const Hs = H + 2 * pad;
  const W4 = (W + 3) & ~3;
  const sRow = (<usize>Ws) << 2;
  const gRow = (<usize>W4) << 2;
  const grad = scratch + ((<usize>(Ws * Hs)) << 2); // dy with rows padded to W4 (zeros past W)
  memory.fill(scratch, 0, (<usize>(Ws * Hs + H * W4)) << 2);
  for (let q = q0; q < q1; q++) {
    const xq = x + ((<usize>q * <usize>P) << 2);
    const gq = dy + ((<usize>q * <usize>P) << 2);
    for (let y = 0; y < H; y++) {
      memory.copy(scratch + <usize>(y + pad) * sRow + ((<usize>pad) << 2), xq + ((<usize>(y * W)) << 2), (<usize>W) << 2);
      memory.copy(grad + <usize>y * gRow, gq + ((<usize>(y * W)) << 2), (<usize>W) << 2);
    }
    let lo = f64x2.splat(0);
    let hi = lo;
    for (let i = 0; i < H * W4; i += 4) {
      const v = v128.load(grad + ((<usize>i) << 2));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
    }
    const sum = f64x2.add(lo, hi);
    store<f64>(sums + ((<usize>q) << 3), f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1));
    const out = partial + ((<usize>(q * k * k)) << 2);
    if (k == 7) {
      taps7(out, grad, gRow, scratch, sRow, H, W4);
      continue;
    }
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        // four independent sums: one chain of dependent adds would wait on the add's latency at every vector
        let a0 = f32x4.splat(0);
        let a1 = a0;
        let a2 = a0;
        let a3 = a0;
        for (let oy = 0; oy < H; oy++) {
          const g = grad + <usize>oy * gRow;
          const s = scratch + <usize>(oy + ky) * sRow + ((<usize>kx) << 2);
          let ox = 0;
          for (; ox + 16 <= W4; ox += 16) {
            const o = (<usize>ox) << 2;
            a0 = f32x4.add(a0, f32x4.mul(v128.load(g + o), v128.load(s + o)));
            a1 = f32x4.add(a1, f32x4.mul(v128.load(g + o, 16), v128.load(s + o, 16)));
            a2 = f32x4.add(a2, f32x4.mul(v128.load(g + o, 32), v128.load(s + o, 32)));
            a3 = f32x4.add(a3, f32x4.mul(v128.load(g + o, 48), v128.load(s + o, 48)));
          }
          if (ox + 8 <= W4) {
            const o = (<usize>ox) << 2;
            a0 = f32x4.add(a0, f32x4.mul(v128.load(g + o), v128.load(s + o)));
            a1 = f32x4.add(a1, f32x4.mul(v128.load(g + o, 16), v128.load(s + o, 16)));
            ox += 8;
          }
          if (ox < W4) {
            const o = (<usize>ox) << 2;
            a2 = f32x4.add(a2, f32x4.mul(v128.load(g + o), v128.load(s + o)));
          }
        }
        const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
        const sum = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3); // prettier-ignore
        store<f32>(out + ((<usize>(ky * k + kx)) << 2), sum);
      }
    }
  }
}

/**
 * dwconvWeightGrad's 49 taps of a 7 x 7 kernel, a kernel row at a time: each vector of dy is loaded once for
 * the row's 7 taps (7 independent sums), where a tap at a time loaded it again for every tap.
 */
@inline
function taps7(out: usize, grad: usize, gRow: usize, scratch: usize, sRow: usize, H: i32, W4: i32): void {
  for (let ky = 0; ky < 7; ky++) {
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let a4 = a0;
    let a5 = a0;
    let a6 = a0;
    for (let oy = 0; oy < H; oy++) {
      const g = grad + <usize>oy * gRow;
      const s = scratch + <usize>(oy + ky) * sRow;
      for (let ox = 0; ox < W4; ox += 4) {
        const o = (<usize>ox) << 2;
        const d = v128.load(g + o);
        a0 = f32x4.add(a0, f32x4.mul(d, v128.load(s + o)));
        a1 = f32x4.add(a1, f32x4.mul(d, v128.load(s + o, 4)));
        a2 = f32x4.add(a2, f32x4.mul(d, v128.load(s + o, 8)));
        a3 = f32x4.add(a3, f32x4.mul(d, v128.load(s + o, 12)));
        a4 = f32x4.add(a4, f32x4.mul(d, v128.load(s + o, 16)));
        a5 = f32x4.add(a5, f32x4.mul(d, v128.load(s + o, 20)));
        a6 = f32x4.add(a6, f32x4.mul(d, v128.load(s + o, 24)));
      }
    }
    const row = out + ((<usize>(ky * 7)) << 2);
    store<f32>(row, lanes(a0));
    store<f32>(row, lanes(a1), 4);
    store<f32>(row, lanes(a2), 8);
    store<f32>(row, lanes(a3), 12);
    store<f32>(row, lanes(a4), 16);
    store<f32>(row, lanes(a5), 20);
    store<f32>(row, lanes(a6), 24);
  }
}

/** The sum of the four lanes. */
@inline
function lanes(a: v128): f32 {
  return f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
}

/** e^y for y <= 0 on four lanes: 2^n * 2^f, n = nearest(y log2 e), 2^f by its Taylor series to degree 7. */
@inline
function expNegative(y: v128): v128 {
  const t = f32x4.mul(f32x4.pmax(y, f32x4.splat(-87)), f32x4.splat(1.4426950408889634));
  const n = f32x4.nearest(t);
  const f = f32x4.mul(f32x4.sub(t, n), f32x4.splat(0.6931471805599453)); // f ln 2, |f| <= 0.347
  let p = f32x4.splat(1.0 / 5040);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0 / 720));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0 / 120));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0 / 24));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0 / 6));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** dx[i] = dy[i] * (Phi(x[i]) + x[i] phi(x[i])) for the groups of 4, g0 <= i / 4 < g1 (dx may be dy). */
export function geluBackward(dx: usize, dy: usize, x: usize, g0: i32, g1: i32): void {
  const invSqrt2Pi = f32x4.splat(0.3989422804014327);
  for (let g = g0; g < g1; g++) {
    const o = (<usize>g) << 4;
    const v = v128.load(x + o);
    const density = f32x4.mul(invSqrt2Pi, expNegative(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(v, v))));
    const d = f32x4.add(gelu4Phi(v), f32x4.mul(v, density));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), d));
  }
}

/**
 * The weight gradient of a linear layer, dW = dy^T . x, straight from the row-major activations (no
 * transposed copy): out[n, k] = sum_m a[m, n] * b[m, k]. Register tile: 4 rows n x 8 columns k (8
 * accumulators; per m, 4 broadcasts of a and 2 vectors of b). The sum over m runs in blocks of MB rows; per
 * block, a's rows n0..n1 are packed as [n / 4][m][4] and each 8-column strip of b as [m][8], so the tile loop
 * reads two contiguous streams (strided rows of a and b missed L1 at every m: 1.7x slower than gemm).
 * out [N, Kp]; a [M, N]; b [M, Kp] (Kp a multiple of 8); rows n0 <= n < n1 of out are written (n0, n1
 * multiples of 4 except at N). scratch per thread: MB * (round4(N) + 8) floats (gemmTNScratchFloats).
 */
export function gemmTN(
  out: usize,
  a: usize,
  b: usize,
  N: i32,
  Kp: i32,
  M: i32,
  scratchBase: usize,
  scratchBytes: usize,
  n0: i32,
  n1: i32,
  tid: i32,
): void {
  const aPack = scratchBase + <usize>tid * scratchBytes;
  const bStrip = aPack + ((<usize>(GEMM_TN_BLOCK * ((N + 3) & ~3))) << 2);
  const aRow = (<usize>N) << 2;
  const bRow = (<usize>Kp) << 2;
  const oRow = bRow;
  for (let m0 = 0; m0 < M; m0 += GEMM_TN_BLOCK) {
    const mb = min(M - m0, GEMM_TN_BLOCK);
    // a's rows n0..n1 of this block: tile t (rows n0 + 4t ..) at aPack + t * mb * 16, [m][4], zeros past n1
    for (let n = n0; n < n1; n += 4) {
      let dst = aPack + <usize>((n - n0) >> 2) * <usize>mb * 16;
      let src = a + <usize>m0 * aRow + ((<usize>n) << 2);
      const full = n + 4 <= n1;
      for (let m = 0; m < mb; m++) {
        if (full) v128.store(dst, v128.load(src));
        else for (let r = 0; r < 4; r++) store<f32>(dst + (<usize>r << 2), n + r < n1 ? load<f32>(src + (<usize>r << 2)) : 0); // prettier-ignore
        dst += 16;
        src += aRow;
      }
    }
    for (let k = 0; k < Kp; k += 8) {
      let dst = bStrip;
      let src = b + <usize>m0 * bRow + ((<usize>k) << 2);
      for (let m = 0; m < mb; m++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
        src += bRow;
      }
      for (let n = n0; n < n1; n += 4) {
        let c00 = f32x4.splat(0);
        let c01 = c00;
        let c10 = c00;
        let c11 = c00;
        let c20 = c00;
        let c21 = c00;
        let c30 = c00;
        let c31 = c00;
        let ap = aPack + <usize>((n - n0) >> 2) * <usize>mb * 16;
        let bp = bStrip;
        const end = bStrip + (<usize>mb << 5);
        while (bp < end) {
          const x0 = v128.load(bp);
          const x1 = v128.load(bp, 16);
          let s = v128.load32_splat(ap);
          c00 = fmadd(c00, s, x0);
          c01 = fmadd(c01, s, x1);
          s = v128.load32_splat(ap, 4);
          c10 = fmadd(c10, s, x0);
          c11 = fmadd(c11, s, x1);
          s = v128.load32_splat(ap, 8);
          c20 = fmadd(c20, s, x0);
          c21 = fmadd(c21, s, x1);
          s = v128.load32_splat(ap, 12);
          c30 = fmadd(c30, s, x0);
          c31 = fmadd(c31, s, x1);
          ap += 16;
          bp += 32;
        }
        const o = out + ((<usize>(n * Kp + k)) << 2);
        const rows = min(4, n1 - n);
        finishTN(o, c00, c01, m0 > 0);
        if (rows > 1) finishTN(o + oRow, c10, c11, m0 > 0);
        if (rows > 2) finishTN(o + 2 * oRow, c20, c21, m0 > 0);
        if (rows > 3) finishTN(o + 3 * oRow, c30, c31, m0 > 0);
      }
    }
  }
}

/** Stores 8 sums of one row of dW, adding the previous blocks' partial sums. */
@inline
function finishTN(o: usize, c0: v128, c1: v128, accumulate: bool): void {
  if (accumulate) {
    c0 = f32x4.add(c0, v128.load(o));
    c1 = f32x4.add(c1, v128.load(o, 16));
  }
  v128.store(o, c0);
  v128.store(o, c1, 16);
}

/**
 * A bias gradient: out[n] = sum_m a[m, n] for the columns of groups g0 <= n / 4 < g1, summed in float64 (in
 * acc, [N] doubles) while a is read row by row. out [N] float32; a [M, N]; acc [round4(N)] float64.
 */
export function columnSums(out: usize, a: usize, N: i32, M: i32, acc: usize, g0: i32, g1: i32): void {
  const n0 = g0 << 2;
  const n1 = min(N, g1 << 2);
  const full = n1 & ~3;
  memory.fill(acc + ((<usize>n0) << 3), 0, (<usize>(n1 - n0)) << 3);
  const aRow = (<usize>N) << 2;
  let row = a;
  for (let m = 0; m < M; m++) {
    let n = n0;
    for (; n < full; n += 4) {
      const v = v128.load(row + ((<usize>n) << 2));
      const p = acc + ((<usize>n) << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
      v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
    }
    for (; n < n1; n++) store<f64>(acc + ((<usize>n) << 3), load<f64>(acc + ((<usize>n) << 3)) + <f64>load<f32>(row + ((<usize>n) << 2))); // prettier-ignore
    row += aRow;
  }
  for (let n = n0; n < n1; n++) store<f32>(out + ((<usize>n) << 2), <f32>load<f64>(acc + ((<usize>n) << 3)));
}

/** GELU on groups of 8 floats g0 <= i / 8 < g1 (geluArray split over threads). */
export function geluRange(out: usize, x: usize, g0: i32, g1: i32): void {
  geluArray(out + ((<usize>g0) << 5), x + ((<usize>g0) << 5), (g1 - g0) << 3);
}

/**
 * Layout change per image between [C, HW] (channels-first) and [HW, C] (channels-last), in 4 x 4 blocks of
 * lanes; toLast = 1 reads x as [N, C, HW] and writes [N, HW, C], 0 the reverse. Images n0 <= n < n1.
 */
export function transposeImages(out: usize, x: usize, C: i32, HW: i32, toLast: i32, n0: i32, n1: i32): void {
  const rows = toLast ? C : HW; // x viewed as [rows, cols] per image
  const cols = toLast ? HW : C;
  const per = <usize>C * <usize>HW;
  for (let n = n0; n < n1; n++) {
    const xi = x + ((<usize>n * per) << 2);
    const oi = out + ((<usize>n * per) << 2);
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      let c = 0;
      for (; c + 4 <= cols; c += 4) {
        const s = xi + ((<usize>(r * cols + c)) << 2);
        const a0 = v128.load(s);
        const a1 = v128.load(s + ((<usize>cols) << 2));
        const a2 = v128.load(s + ((<usize>(2 * cols)) << 2));
        const a3 = v128.load(s + ((<usize>(3 * cols)) << 2));
        const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
        const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        const d = oi + ((<usize>(c * rows + r)) << 2);
        v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(d + ((<usize>rows) << 2), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(d + ((<usize>(2 * rows)) << 2), v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(d + ((<usize>(3 * rows)) << 2), v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
      }
      for (; c < cols; c++)
        for (let k = 0; k < 4; k++) store<f32>(oi + ((<usize>(c * rows + r + k)) << 2), load<f32>(xi + ((<usize>((r + k) * cols + c)) << 2))); // prettier-ignore
    }
    for (; r < rows; r++)
      for (let c = 0; c < cols; c++) store<f32>(oi + ((<usize>(c * rows + r)) << 2), load<f32>(xi + ((<usize>(r * cols + c)) << 2))); // prettier-ignore
  }
}

/**
 * The block's output in training, per image: out [C, HW] = residual + gamma[c] * branch^T, from pwconv2's
 * channels-last output branch [HW, C]; no gamma (0): a scale of 1. Each image is transposed, then scaled and
 * added to while it is still in cache. out, residual [N, C, HW]; branch [N, HW, C]; images n0 <= n < n1.
 */
export function blockOutput(
  out: usize,
  branch: usize,
  gamma: usize,
  residual: usize,
  C: i32,
  HW: i32,
  n0: i32,
  n1: i32,
): void {
  const per = <usize>C * <usize>HW;
  for (let n = n0; n < n1; n++) {
    transposeImages(out, branch, C, HW, 0, n, n + 1);
    for (let c = 0; c < C; c++) {
      const o = out + ((<usize>n * per + <usize>c * <usize>HW) << 2);
      const r = residual + ((<usize>n * per + <usize>c * <usize>HW) << 2);
      const s: f32 = gamma ? load<f32>(gamma + ((<usize>c) << 2)) : 1;
      const g = f32x4.splat(s);
      let p = 0;
      for (; p + 4 <= HW; p += 4) {
        const at = (<usize>p) << 2;
        v128.store(o + at, f32x4.add(v128.load(r + at), f32x4.mul(g, v128.load(o + at))));
      }
      for (; p < HW; p++) store<f32>(o + ((<usize>p) << 2), load<f32>(r + ((<usize>p) << 2)) + s * load<f32>(o + ((<usize>p) << 2))); // prettier-ignore
    }
  }
}

/**
 * blockOutput's backward through the permute and the layer scale, per image: dBranch [HW, C] = gamma[c] *
 * dy^T from dy [C, HW]; this thread's dgamma partial += sum over pixels of dy^T * branch (products and sums
 * in float64: [C] doubles at partialBase + tid * partialBytes, zeroed by the caller, who sums the threads').
 * dy [N, C, HW]; dBranch, branch [N, HW, C]; gamma [C]; images n0 <= n < n1.
 */
export function blockOutputBackward(
  dBranch: usize,
  partialBase: usize,
  dy: usize,
  branch: usize,
  gamma: usize,
  C: i32,
  HW: i32,
  partialBytes: usize,
  n0: i32,
  n1: i32,
  tid: i32,
): void {
  const acc = partialBase + <usize>tid * partialBytes;
  const per = <usize>C * <usize>HW;
  for (let n = n0; n < n1; n++) {
    transposeImages(dBranch, dy, C, HW, 1, n, n + 1);
    for (let p = 0; p < HW; p++) {
      const row = (<usize>n * per + <usize>p * <usize>C) << 2;
      const d = dBranch + row;
      const b = branch + row;
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        const t = v128.load(d + ((<usize>c) << 2));
        const v = v128.load(b + ((<usize>c) << 2));
        const q = acc + ((<usize>c) << 3);
        const tHigh = i32x4.shuffle(t, t, 2, 3, 0, 1);
        const vHigh = i32x4.shuffle(v, v, 2, 3, 0, 1);
        v128.store(q, f64x2.add(v128.load(q), f64x2.mul(f64x2.promote_low_f32x4(t), f64x2.promote_low_f32x4(v))));
        v128.store(q, f64x2.add(v128.load(q, 16), f64x2.mul(f64x2.promote_low_f32x4(tHigh), f64x2.promote_low_f32x4(vHigh))), 16); // prettier-ignore
        v128.store(d + ((<usize>c) << 2), f32x4.mul(t, v128.load(gamma + ((<usize>c) << 2))));
      }
      for (; c < C; c++) {
        const t = load<f32>(d + ((<usize>c) << 2));
        const q = acc + ((<usize>c) << 3);
        store<f64>(q, load<f64>(q) + <f64>t * <f64>load<f32>(b + ((<usize>c) << 2)));
        store<f32>(d + ((<usize>c) << 2), t * load<f32>(gamma + ((<usize>c) << 2)));
      }
    }
  }
}

/** out[i] += x[i] for i0 <= i < i1 (a residual's gradient, or a value's from a second reader). */
export function addInto(out: usize, x: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(x + o)));
  }
  for (; i < i1; i++) store<f32>(out + ((<usize>i) << 2), load<f32>(out + ((<usize>i) << 2)) + load<f32>(x + ((<usize>i) << 2))); // prettier-ignore
}
