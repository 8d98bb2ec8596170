// Linear layer (nn.Linear): out = x @ weight^T + bias. The pointwise convs of every block are this GEMM.

/**
 * out    [M, N]
 * x      [M, K]
 * weight [N, K]  (PyTorch layout: one row per output feature)
 * bias   [N] or null
 */
export function linear(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
): void {
  for (let m = 0; m < M; m++) {
    const xBase = m * K;
    for (let n = 0; n < N; n++) {
      const wBase = n * K;
      let acc = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) acc += x[xBase + k] * weight[wBase + k];
      out[m * N + n] = acc;
    }
  }
}
