// Depthwise k x k conv (stride 1, zero padding) on channels-first planes. Each plane is first copied into a
// zero-bordered scratch, so the inner loops need no bounds tests; then 16 outputs of a row (4 vectors, or 2)
// accumulate together so one broadcast weight feeds four (two) multiply-adds. Rows are computed in whole
// vectors into a row buffer (no scalar tail: W = 7 or 14 would leave up to 3 of 7 outputs scalar).

/**
 * out     [planes, P]  (real pixels H * W at the start of each plane, row-major)
 * x       [planes, P]
 * w       [C, k * k]; bias [C]; plane q holds channel q % C
 * scratch (H + 2 pad) * (W + 2 pad + 4) + W + 4 floats per thread, at scratchBase + tid * scratchBytes
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
  // the padded plane, then one output row computed in whole vectors (its tail past W is dropped)
  const rowBuf = scratch + ((<usize>(Ws * Hs)) << 2);
  memory.fill(scratch, 0, (<usize>(Ws * Hs)) << 2);
  const sRow = (<usize>Ws) << 2;
  const W4floor = W & ~3;
  const kBytes = (<usize>k) << 2;
  for (let q = q0; q < q1; q++) {
    const c = q % C;
    const xq = x + ((<usize>q * <usize>P) << 2);
    const oq = out + ((<usize>q * <usize>P) << 2);
    const wc = w + ((<usize>(c * k * k)) << 2);
    const b = f32x4.splat(load<f32>(bias + ((<usize>c) << 2)));
    // interior rows copied with vector moves (memory.copy is a runtime call per row in V8)
    for (let y = 0; y < H; y++) {
      const dst = scratch + <usize>(y + pad) * sRow + ((<usize>pad) << 2);
      const src = xq + ((<usize>(y * W)) << 2);
      let i = 0;
      for (; i < W4floor; i += 4) v128.store(dst + ((<usize>i) << 2), v128.load(src + ((<usize>i) << 2)));
      for (; i < W; i++) store<f32>(dst + ((<usize>i) << 2), load<f32>(src + ((<usize>i) << 2)));
    }
    for (let oy = 0; oy < H; oy++) {
      const srow = scratch + <usize>oy * sRow;
      let ox = 0;
      for (; ox + 16 <= W4; ox += 16) {
        let a0 = b;
        let a1 = b;
        let a2 = b;
        let a3 = b;
        // pointers stepped, not recomputed from ky and kx: V8 recomputed those products in the inner loop
        let wp = wc;
        let sp = srow + ((<usize>ox) << 2);
        for (let ky = 0; ky < k; ky++) {
          const wEnd = wp + kBytes;
          while (wp < wEnd) {
            const s = v128.load32_splat(wp);
            a0 = f32x4.add(a0, f32x4.mul(s, v128.load(sp)));
            a1 = f32x4.add(a1, f32x4.mul(s, v128.load(sp, 16)));
            a2 = f32x4.add(a2, f32x4.mul(s, v128.load(sp, 32)));
            a3 = f32x4.add(a3, f32x4.mul(s, v128.load(sp, 48)));
            wp += 4;
            sp += 4;
          }
          sp += sRow - kBytes;
        }
        const o = rowBuf + ((<usize>ox) << 2);
        v128.store(o, a0);
        v128.store(o, a1, 16);
        v128.store(o, a2, 32);
        v128.store(o, a3, 48);
      }
      for (; ox + 8 <= W4; ox += 8) {
        let a0 = b;
        let a1 = b;
        let wp = wc;
        let sp = srow + ((<usize>ox) << 2);
        for (let ky = 0; ky < k; ky++) {
          const wEnd = wp + kBytes;
          while (wp < wEnd) {
            const s = v128.load32_splat(wp);
            a0 = f32x4.add(a0, f32x4.mul(s, v128.load(sp)));
            a1 = f32x4.add(a1, f32x4.mul(s, v128.load(sp, 16)));
            wp += 4;
            sp += 4;
          }
          sp += sRow - kBytes;
        }
        const o = rowBuf + ((<usize>ox) << 2);
        v128.store(o, a0);
        v128.store(o, a1, 16);
      }
      for (; ox < W4; ox += 4) {
        let a0 = b;
        let wp = wc;
        let sp = srow + ((<usize>ox) << 2);
        for (let ky = 0; ky < k; ky++) {
          const wEnd = wp + kBytes;
          while (wp < wEnd) {
            a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(wp), v128.load(sp)));
            wp += 4;
            sp += 4;
          }
          sp += sRow - kBytes;
        }
        v128.store(rowBuf + ((<usize>ox) << 2), a0);
      }
      const orow = oq + ((<usize>(oy * W)) << 2);
      let i = 0;
      for (; i < W4floor; i += 4) v128.store(orow + ((<usize>i) << 2), v128.load(rowBuf + ((<usize>i) << 2)));
      for (; i < W; i++) store<f32>(orow + ((<usize>i) << 2), load<f32>(rowBuf + ((<usize>i) << 2)));
    }
  }
}
