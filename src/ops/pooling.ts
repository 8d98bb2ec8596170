// Global average pooling over H and W (ConvNextModel's pooler, before its LayerNorm).

/** out [N, C] = mean over HW of x [N, C, HW]. */
export function globalAveragePool(out: Float32Array, x: Float32Array, N: number, C: number, HW: number): void {
  for (let nc = 0; nc < N * C; nc++) {
    let sum = 0;
    const base = nc * HW;
    for (let p = 0; p < HW; p++) sum += x[base + p];
    out[nc] = sum / HW;
  }
}
