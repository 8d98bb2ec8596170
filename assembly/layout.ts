// Space-to-depth: turns a kernel == stride conv into a plain GEMM. Patch plane (c, ky, kx) holds, at
// column oy * OW + ox, the input pixel (oy * k + ky, ox * k + kx) of channel c.

/** out [nImg, C * k * k, Pout] from x [nImg, C, Pin] (H x W real pixels); planes q0 <= q < q1 of x. */
export function spaceToDepth(
  out: usize,
  x: usize,
  H: i32,
  W: i32,
  Pin: i32,
  k: i32,
  Pout: i32,
  q0: i32,
  q1: i32,
): void {
  const OH = H / k;
  const OW = W / k;
  for (let q = q0; q < q1; q++) {
    const xq = x + ((<usize>q * <usize>Pin) << 2);
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const oq = out + ((<usize>((q * k + ky) * k + kx) * <usize>Pout) << 2);
        for (let oy = 0; oy < OH; oy++) {
          const src = xq + ((<usize>((oy * k + ky) * W + kx)) << 2);
          const dst = oq + ((<usize>(oy * OW)) << 2);
          for (let ox = 0; ox < OW; ox++)
            store<f32>(dst + ((<usize>ox) << 2), load<f32>(src + ((<usize>(ox * k)) << 2)));
        }
      }
    }
  }
}
