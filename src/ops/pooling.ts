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

/** Backward: dx [N, C, HW] = dy [N, C] / HW at every pixel. */
export function globalAveragePoolBackward(dx: Float32Array, dy: Float32Array, N: number, C: number, HW: number): void {
  for (let nc = 0; nc < N * C; nc++) dx.fill(dy[nc] / HW, nc * HW, (nc + 1) * HW);
}
