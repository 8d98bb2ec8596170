// Layer scale: a learned per-channel gain on the block's residual branch (channels-last).

/** x [rows, C] *= gamma [C], in place. */
export function layerScale(x: Float32Array, gamma: Float32Array, rows: number, C: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * C;
    for (let c = 0; c < C; c++) x[base + c] *= gamma[c];
  }
}

/** Backward: dx [rows, C] = dy * gamma (dx may be dy, in place); dgamma [C] = sum over rows of dy * x. */
export function layerScaleBackward(
  dx: Float32Array,
  dgamma: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  rows: number,
  C: number,
): void {
  for (let c = 0; c < C; c++) {
    let acc = 0;
    for (let r = 0; r < rows; r++) acc += dy[r * C + c] * x[r * C + c];
    dgamma[c] = acc;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * C;
    for (let c = 0; c < C; c++) dx[base + c] = dy[base + c] * gamma[c];
  }
}
