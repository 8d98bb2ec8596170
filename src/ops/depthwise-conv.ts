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

/**
 * Backward of the depthwise conv (stride 1). Per channel c:
 *   dx[iy, ix]     = sum_{ky,kx} dy[iy - ky + pad, ix - kx + pad] * w[ky, kx]   (the flipped kernel)
 *   dw[ky, kx]     = sum_{n, oy, ox} dy[oy, ox] * x[oy + ky - pad, ox + kx - pad]
 *   db             = sum dy
 * dx [N, C, H, W] or null; dw [C, 1, k, k]; db [C] or null; dy [N, C, OH, OW]; x [N, C, H, W]; weight [C, 1, k, k]
 */
export function depthwiseConv2dBackward(
  dx: Float32Array | null,
  dw: Float32Array,
  db: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  N: number,
  C: number,
  H: number,
  W: number,
  OH: number,
  OW: number,
  k: number,
  pad: number,
): void {
  for (let c = 0; c < C; c++) {
    const wBase = c * k * k;
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        let acc = 0;
        for (let n = 0; n < N; n++) {
          const xBase = (n * C + c) * H * W;
          const yBase = (n * C + c) * OH * OW;
          for (let oy = 0; oy < OH; oy++) {
            const iy = oy + ky - pad;
            if (iy < 0 || iy >= H) continue;
            for (let ox = 0; ox < OW; ox++) {
              const ix = ox + kx - pad;
              if (ix < 0 || ix >= W) continue;
              acc += dy[yBase + oy * OW + ox] * x[xBase + iy * W + ix];
            }
          }
        }
        dw[wBase + ky * k + kx] = acc;
      }
    }
    if (db) {
      let acc = 0;
      for (let n = 0; n < N; n++) {
        const yBase = (n * C + c) * OH * OW;
        for (let i = 0; i < OH * OW; i++) acc += dy[yBase + i];
      }
      db[c] = acc;
    }
    if (!dx) continue;
    for (let n = 0; n < N; n++) {
      const xBase = (n * C + c) * H * W;
      const yBase = (n * C + c) * OH * OW;
      for (let iy = 0; iy < H; iy++) {
        for (let ix = 0; ix < W; ix++) {
          let acc = 0;
          for (let ky = 0; ky < k; ky++) {
            const oy = iy - ky + pad;
            if (oy < 0 || oy >= OH) continue;
            for (let kx = 0; kx < k; kx++) {
              const ox = ix - kx + pad;
              if (ox < 0 || ox >= OW) continue;
              acc += dy[yBase + oy * OW + ox] * weight[wBase + ky * k + kx];
            }
          }
          dx[xBase + iy * W + ix] = acc;
        }
      }
    }
  }
}
