// im2col: turns any zero-padded strided conv (timm's overlapping 3x3 stride-2 stem) into a plain GEMM, like
// spaceToDepth does for kernel == stride. Patch plane (c, ky, kx) holds, at column oy * OW + ox, the input
// pixel (oy * s + ky - pad, ox * s + kx - pad) of channel c, or 0 where that falls in the padding.

/** out [nImg, C * k * k, Pout] from x [nImg, C, Pin] (H x W real pixels); planes q0 <= q < q1 of x. */
export function im2col(
  out: usize,
  x: usize,
  H: i32,
  W: i32,
  Pin: i32,
  k: i32,
  stride: i32,
  pad: i32,
  OH: i32,
  OW: i32,
  Pout: i32,
  q0: i32,
  q1: i32,
): void {
  for (let q = q0; q < q1; q++) {
    const xq = x + ((<usize>q * <usize>Pin) << 2);
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const oq = out + ((<usize>((q * k + ky) * k + kx) * <usize>Pout) << 2);
        // the output columns whose input column is inside the image: ox0 <= ox < ox1
        let ox0 = 0;
        while (ox0 < OW && ox0 * stride + kx - pad < 0) ox0++;
        let ox1 = OW;
        while (ox1 > ox0 && (ox1 - 1) * stride + kx - pad >= W) ox1--;
        for (let oy = 0; oy < OH; oy++) {
          const dst = oq + ((<usize>(oy * OW)) << 2);
          const iy = oy * stride + ky - pad;
          if (iy < 0 || iy >= H) {
            memory.fill(dst, 0, (<usize>OW) << 2);
            continue;
          }
          for (let ox = 0; ox < ox0; ox++) store<f32>(dst + ((<usize>ox) << 2), 0);
          const src = xq + ((<usize>(iy * W + kx - pad)) << 2);
          for (let ox = ox0; ox < ox1; ox++)
            store<f32>(dst + ((<usize>ox) << 2), load<f32>(src + ((<usize>(ox * stride)) << 2)));
          for (let ox = ox1; ox < OW; ox++) store<f32>(dst + ((<usize>ox) << 2), 0);
        }
      }
    }
  }
}
