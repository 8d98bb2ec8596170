// Strided convolution with kernel == stride and no padding: the patchify stem (k = patch_size) and the
// 2x2 stride-2 downsampling conv. Each output pixel sees one disjoint k x k patch; trailing rows and
// columns that do not fill a patch are dropped, as in PyTorch.

/**
 * out    [N, Cout, OH, OW]  with OH = floor(H / k), OW = floor(W / k)
 * x      [N, Cin, H, W]
 * weight [Cout, Cin, k, k]
 * bias   [Cout]
 */
export function patchifyConv2d(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  N: number,
  Cin: number,
  H: number,
  W: number,
  Cout: number,
  k: number,
): void {
  const OH = Math.floor(H / k);
  const OW = Math.floor(W / k);
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Cout; co++) {
      const outBase = (n * Cout + co) * OH * OW;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let acc = bias[co];
          for (let ci = 0; ci < Cin; ci++) {
            const xBase = ((n * Cin + ci) * H + oy * k) * W + ox * k;
            const wBase = (co * Cin + ci) * k * k;
            for (let ky = 0; ky < k; ky++) {
              for (let kx = 0; kx < k; kx++) acc += x[xBase + ky * W + kx] * weight[wBase + ky * k + kx];
            }
          }
          out[outBase + oy * OW + ox] = acc;
        }
      }
    }
  }
}
