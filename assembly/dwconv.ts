// Depthwise k x k conv (stride 1, zero padding) on channels-first planes. Each plane is first copied into a
// zero-bordered scratch, so the inner loops need no bounds tests; then 16 outputs of a row (4 vectors)
// accumulate together, or 8 (4) outputs of two rows at once, so one broadcast weight feeds four (two) multiply-
// adds per row: the tap w[ky, kx] meets input row oy + ky for output row oy and oy + 1 + ky for oy + 1. Rows
// are computed in whole vectors into a two-row buffer (no scalar tail: W = 7 or 14 would leave up to 3 of 7
// outputs scalar).

/**
 * Output rows oy (and oy + 1 when rows == 2), pixels ox .. ox + 4 vecs, into rowBuf (row r at r * rowStride).
 * The pointers are stepped, not recomputed from ky and kx: V8 recomputed those products in the inner loop.
 */
@inline
function tile(
  rowBuf: usize,
  rowStride: usize,
  srow: usize,
  sRow: usize,
  wc: usize,
  k: i32,
  b: v128,
  ox: i32,
  vecs: i32,
  rows: i32,
): void {
  let a0 = b;
  let a1 = b;
  let a2 = b;
  let a3 = b;
  let b0 = b;
  let b1 = b;
  let b2 = b;
  let b3 = b;
  const kBytes = (<usize>k) << 2;
  let wp = wc;
  let sp = srow + ((<usize>ox) << 2);
  for (let ky = 0; ky < k; ky++) {
    const wEnd = wp + kBytes;
    while (wp < wEnd) {
      const s = v128.load32_splat(wp);
      a0 = f32x4.add(a0, f32x4.mul(s, v128.load(sp)));
      if (vecs > 1) a1 = f32x4.add(a1, f32x4.mul(s, v128.load(sp, 16)));
      if (vecs > 2) {
        a2 = f32x4.add(a2, f32x4.mul(s, v128.load(sp, 32)));
        a3 = f32x4.add(a3, f32x4.mul(s, v128.load(sp, 48)));
      }
      if (rows > 1) {
        const sq = sp + sRow;
        b0 = f32x4.add(b0, f32x4.mul(s, v128.load(sq)));
        if (vecs > 1) b1 = f32x4.add(b1, f32x4.mul(s, v128.load(sq, 16)));
        if (vecs > 2) {
          b2 = f32x4.add(b2, f32x4.mul(s, v128.load(sq, 32)));
          b3 = f32x4.add(b3, f32x4.mul(s, v128.load(sq, 48)));
        }
      }
      wp += 4;
      sp += 4;
    }
    sp += sRow - kBytes;
  }
  const o = rowBuf + ((<usize>ox) << 2);
  v128.store(o, a0);
  if (vecs > 1) v128.store(o, a1, 16);
  if (vecs > 2) {
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  if (rows > 1) {
    const o1 = o + rowStride;
    v128.store(o1, b0);
    if (vecs > 1) v128.store(o1, b1, 16);
    if (vecs > 2) {
      v128.store(o1, b2, 32);
      v128.store(o1, b3, 48);
    }
  }
}

/** One or two output rows (rows == 2: oy and oy + 1), whole vectors into rowBuf. */
@inline
function outputRows(rowBuf: usize, rowStride: usize, srow: usize, sRow: usize, wc: usize, k: i32, b: v128, W4: i32, rows: i32): void {
  let ox = 0;
  for (; ox + 16 <= W4; ox += 16) {
    // eight accumulators of 4 vectors x 2 rows spill: one row at a time
    tile(rowBuf, rowStride, srow, sRow, wc, k, b, ox, 4, 1);
    if (rows > 1) tile(rowBuf + rowStride, rowStride, srow + sRow, sRow, wc, k, b, ox, 4, 1);
  }
  if (ox + 8 <= W4) {
    tile(rowBuf, rowStride, srow, sRow, wc, k, b, ox, 2, rows);
    ox += 8;
  }
  if (ox < W4) tile(rowBuf, rowStride, srow, sRow, wc, k, b, ox, 1, rows);
}

/** Copies n floats of a computed row to the output plane. */
@inline
function copyRow(dst: usize, src: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(dst + ((<usize>i) << 2), v128.load(src + ((<usize>i) << 2)));
  for (; i < n; i++) store<f32>(dst + ((<usize>i) << 2), load<f32>(src + ((<usize>i) << 2)));
}

/**
 * out     [planes, P]  (real pixels H * W at the start of each plane, row-major)
 * x       [planes, P]
 * w       [C, k * k]; bias [C]; plane q holds channel q % C
 * scratch (H + 2 pad) * (W + 2 pad + 4) + 2 (W + 4) floats per thread, at scratchBase + tid * scratchBytes
 *         (dwconvScratchFloats in src/backend/runner.ts)
 */
export function dwconv(
  out: usize,
  x: usize,
  w: usize,
  bias: usize,
  C: i32,
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
  // the padded plane, then two output rows computed in whole vectors (their tails past W are dropped)
  const rowBuf = scratch + ((<usize>(Ws * Hs)) << 2);
  const rowStride = (<usize>(W + 4)) << 2;
  memory.fill(scratch, 0, (<usize>(Ws * Hs)) << 2);
  const sRow = (<usize>Ws) << 2;
  for (let q = q0; q < q1; q++) {
    const c = q % C;
    const xq = x + ((<usize>q * <usize>P) << 2);
    const oq = out + ((<usize>q * <usize>P) << 2);
    const wc = w + ((<usize>(c * k * k)) << 2);
    const b = f32x4.splat(load<f32>(bias + ((<usize>c) << 2)));
    // interior rows copied with vector moves (memory.copy is a runtime call per row in V8)
    for (let y = 0; y < H; y++) {
      copyRow(scratch + <usize>(y + pad) * sRow + ((<usize>pad) << 2), xq + ((<usize>(y * W)) << 2), W);
    }
    let oy = 0;
    for (; oy + 2 <= H; oy += 2) {
      outputRows(rowBuf, rowStride, scratch + <usize>oy * sRow, sRow, wc, k, b, W4, 2);
      copyRow(oq + ((<usize>(oy * W)) << 2), rowBuf, W);
      copyRow(oq + ((<usize>((oy + 1) * W)) << 2), rowBuf + rowStride, W);
    }
    if (oy < H) {
      outputRows(rowBuf, rowStride, scratch + <usize>oy * sRow, sRow, wc, k, b, W4, 1);
      copyRow(oq + ((<usize>(oy * W)) << 2), rowBuf, W);
    }
  }
}
