// Layer scale: a learned per-channel gain on the block's residual branch (channels-last).

/** x [rows, C] *= gamma [C], in place. */
export function layerScale(x: Float32Array, gamma: Float32Array, rows: number, C: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * C;
    for (let c = 0; c < C; c++) x[base + c] *= gamma[c];
  }
}

/**
 * Backward: dx [rows, C] = dy * gamma (dx may be dy, in place); dgamma [C] = sum over rows of dy * x, in
 * float64 (acc, [C] scratch). Row by row, so that both arrays are read once and in order.
 */
export function layerScaleBackward(
  dx: Float32Array,
  dgamma: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  rows: number,
  C: number,
  acc = new Float64Array(C),
): void {
  acc.fill(0, 0, C);
  for (let r = 0; r < rows; r++) {
    const base = r * C;
    for (let c = 0; c < C; c++) {
      const g = dy[base + c];
      acc[c] += g * x[base + c];
      dx[base + c] = g * gamma[c];
    }
  }
  for (let c = 0; c < C; c++) dgamma[c] = acc[c];
}
