// Depthwise convolution (groups = channels), stride 1, zero padding: ConvNeXT's 7x7 spatial mixing.

/**
 * out    [N, C, OH, OW]  with OH = convOutputSize(H, k, 1, pad) (= H for k = 7, pad = 3), OW likewise
 * x      [N, C, H, W]
 * weight [C, 1, k, k]
 * bias   [C] or null
 */
export function depthwiseConv2d(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  N: number,
  C: number,
  H: number,
  W: number,
  OH: number,
  OW: number,
  k: number,
  pad: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const xBase = (n * C + c) * H * W;
      const outBase = (n * C + c) * OH * OW;
      const wBase = c * k * k;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let acc = bias ? bias[c] : 0;
          for (let ky = 0; ky < k; ky++) {
            const iy = oy + ky - pad;
            if (iy < 0 || iy >= H) continue; // zero padding contributes nothing
            for (let kx = 0; kx < k; kx++) {
              const ix = ox + kx - pad;
              if (ix < 0 || ix >= W) continue;
              acc += x[xBase + iy * W + ix] * weight[wBase + ky * k + kx];
            }
          }
          out[outBase + oy * OW + ox] = acc;
        }
      }
    }
  }
}
