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

/**
 * Backward of conv2d (groups 1, any stride and padding): the weight gradient correlates the output gradient
 * with the input; the input gradient gathers, for each input pixel, the output gradients of the windows that
 * cover it (ky runs over the taps that land on a whole output row: (iy + pad - ky) divisible by stride).
 * dx [N, Cin, H, W] or null; dw [Cout, Cin, k, k]; db [Cout] or null; dy [N, Cout, OH, OW];
 * x [N, Cin, H, W]; weight [Cout, Cin, k, k]
 */
export function conv2dBackward(
  dx: Float32Array | null,
  dw: Float32Array,
  db: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  weight: Float32Array,
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
  for (let co = 0; co < Cout; co++) {
    for (let ci = 0; ci < Cin; ci++) {
      const wBase = (co * Cin + ci) * k * k;
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          let acc = 0;
          for (let n = 0; n < N; n++) {
            const yBase = (n * Cout + co) * OH * OW;
            const xBase = (n * Cin + ci) * H * W;
            for (let oy = 0; oy < OH; oy++) {
              const iy = oy * stride + ky - pad;
              if (iy < 0 || iy >= H) continue; // zero padding: no gradient to or from it
              for (let ox = 0; ox < OW; ox++) {
                const ix = ox * stride + kx - pad;
                if (ix < 0 || ix >= W) continue;
                acc += dy[yBase + oy * OW + ox] * x[xBase + iy * W + ix];
              }
            }
          }
          dw[wBase + ky * k + kx] = acc;
        }
      }
    }
    if (db) {
      let acc = 0;
      for (let n = 0; n < N; n++) {
        const yBase = (n * Cout + co) * OH * OW;
        for (let i = 0; i < OH * OW; i++) acc += dy[yBase + i];
      }
      db[co] = acc;
    }
  }
  if (!dx) return;
  for (let n = 0; n < N; n++) {
    for (let ci = 0; ci < Cin; ci++) {
      const xBase = (n * Cin + ci) * H * W;
      for (let iy = 0; iy < H; iy++) {
        for (let ix = 0; ix < W; ix++) {
          let acc = 0;
          for (let ky = (((iy + pad) % stride) + stride) % stride; ky < k; ky += stride) {
            const oy = (iy + pad - ky) / stride;
            if (oy < 0 || oy >= OH) continue;
            for (let kx = (((ix + pad) % stride) + stride) % stride; kx < k; kx += stride) {
              const ox = (ix + pad - kx) / stride;
              if (ox < 0 || ox >= OW) continue;
              for (let co = 0; co < Cout; co++) {
                acc += dy[((n * Cout + co) * OH + oy) * OW + ox] * weight[((co * Cin + ci) * k + ky) * k + kx];
              }
            }
          }
          dx[xBase + iy * W + ix] = acc;
        }
      }
    }
  }
}
