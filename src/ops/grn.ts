// Global Response Normalization (ConvNeXT V2), on a channels-last activation:
//   g[c] = ||x[:, c]||_2 over H, W (per sample);  n[c] = g[c] / (mean_c g + 1e-6);
//   out = gamma * (x * n) + beta + x.   (docs/REFERENCE.md §4: where the 1e-6 goes)

/** x [N, HW, C] in place; gamma [C], beta [C]; `sumSq` is scratch of length C. */
export function globalResponseNorm(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  N: number,
  HW: number,
  C: number,
  sumSq: Float64Array,
): void {
  for (let n = 0; n < N; n++) {
    const base = n * HW * C;
    sumSq.fill(0);
    for (let p = 0; p < HW; p++) {
      const row = base + p * C;
      for (let c = 0; c < C; c++) sumSq[c] += x[row + c] * x[row + c];
    }
    let mean = 0;
    for (let c = 0; c < C; c++) {
      sumSq[c] = Math.sqrt(sumSq[c]);
      mean += sumSq[c];
    }
    mean /= C;
    const denom = mean + 1e-6; // HF adds the 1e-6 to the channel mean, outside any sqrt
    for (let c = 0; c < C; c++) sumSq[c] /= denom;
    for (let p = 0; p < HW; p++) {
      const row = base + p * C;
      for (let c = 0; c < C; c++) {
        const v = x[row + c];
        x[row + c] = gamma[c] * (v * sumSq[c]) + beta[c] + v;
      }
    }
  }
}
