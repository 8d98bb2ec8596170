// Convolution, groups 1: the patchify stem (kernel = stride = patch_size) and the 2x2 stride-2 downsampling
// conv. Output sizes come from conv-geometry.ts; trailing rows and columns that do not fill a window are
// dropped, as in PyTorch. Padding is zeros.

/**
 * out    [N, Cout, OH, OW]  with OH = convOutputSize(H, k, stride, pad), OW likewise
 * x      [N, Cin, H, W]
 * weight [Cout, Cin, k, k]
 * bias   [Cout] or null
 */
export function conv2d(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  N: number,
  Cin: number,
  H: number,
  W: number,
  Cout: number,
  OH: number,
  OW: number,
  k: number,
  stride: number,
  pad: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Cout; co++) {
      const outBase = (n * Cout + co) * OH * OW;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let acc = bias ? bias[co] : 0;
          for (let ci = 0; ci < Cin; ci++) {
            const xBase = (n * Cin + ci) * H * W;
            const wBase = (co * Cin + ci) * k * k;
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * stride + ky - pad;
              if (iy < 0 || iy >= H) continue; // zero padding contributes nothing
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * stride + kx - pad;
                if (ix < 0 || ix >= W) continue;
                acc += x[xBase + iy * W + ix] * weight[wBase + ky * k + kx];
              }
            }
          }
          out[outBase + oy * OW + ox] = acc;
        }
      }
    }
  }
}
