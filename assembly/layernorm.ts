// ConvNextLayerNorm over the channels of channels-first planes: for each pixel, the C values strided by
// P. Eight pixels (two vectors) go through the three passes together, so every cache line read is used.

/**
 * out, x [nImg, C, P] (in place allowed; P a multiple of 8); w, b [C]
 * pixel groups g0 <= g < g1 of 8 pixels, counted over all images (nImg * P / 8 groups)
 */
export function layerNormCF(
  out: usize,
  x: usize,
  w: usize,
  b: usize,
  C: i32,
  P: i32,
  eps: f32,
  g0: i32,
  g1: i32,
): void {
  const stride = (<usize>P) << 2;
  const groupsPerImage = P >> 3;
  const invC = f32x4.splat(<f32>1 / <f32>C);
  for (let g = g0; g < g1; g++) {
    const img = g / groupsPerImage;
    const off = (<usize>img * <usize>C * <usize>P + <usize>((g % groupsPerImage) << 3)) << 2;
    const xb = x + off;
    const ob = out + off;
    let s0 = f32x4.splat(0);
    let s1 = s0;
    let p = xb;
    for (let c = 0; c < C; c++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      p += stride;
    }
    const m0 = f32x4.mul(s0, invC);
    const m1 = f32x4.mul(s1, invC);
    let v0 = f32x4.splat(0);
    let v1 = v0;
    p = xb;
    for (let c = 0; c < C; c++) {
      const d0 = f32x4.sub(v128.load(p), m0);
      const d1 = f32x4.sub(v128.load(p, 16), m1);
      v0 = f32x4.add(v0, f32x4.mul(d0, d0));
      v1 = f32x4.add(v1, f32x4.mul(d1, d1));
      p += stride;
    }
    const e = f32x4.splat(eps);
    const std0 = f32x4.sqrt(f32x4.add(f32x4.mul(v0, invC), e));
    const std1 = f32x4.sqrt(f32x4.add(f32x4.mul(v1, invC), e));
    p = xb;
    let o = ob;
    for (let c = 0; c < C; c++) {
      const wc = f32x4.splat(load<f32>(w + ((<usize>c) << 2)));
      const bc = f32x4.splat(load<f32>(b + ((<usize>c) << 2)));
      v128.store(o, f32x4.add(f32x4.mul(wc, f32x4.div(f32x4.sub(v128.load(p), m0), std0)), bc));
      v128.store(o, f32x4.add(f32x4.mul(wc, f32x4.div(f32x4.sub(v128.load(p, 16), m1), std1)), bc), 16);
      p += stride;
      o += stride;
    }
  }
}
