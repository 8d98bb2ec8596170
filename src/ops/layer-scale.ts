// Layer scale: a learned per-channel gain on the block's residual branch (channels-last).

/** x [rows, C] *= gamma [C], in place. */
export function layerScale(x: Float32Array, gamma: Float32Array, rows: number, C: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * C;
    for (let c = 0; c < C; c++) x[base + c] *= gamma[c];
  }
}
