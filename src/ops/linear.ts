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
    // four output features at a time (four independent float64 sums, x read once for the four): one chain
    // of dependent adds is bound by the add's latency (bench/RESULTS.md, "Why the kernels look as they do")
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const w0 = n * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0; // prettier-ignore
      for (let k = 0; k < K; k++) {
        const v = x[xBase + k];
        a0 += v * weight[w0 + k];
        a1 += v * weight[w1 + k];
        a2 += v * weight[w2 + k];
        a3 += v * weight[w3 + k];
      }
      out[m * N + n] = a0 + (bias ? bias[n] : 0);
      out[m * N + n + 1] = a1 + (bias ? bias[n + 1] : 0);
      out[m * N + n + 2] = a2 + (bias ? bias[n + 2] : 0);
      out[m * N + n + 3] = a3 + (bias ? bias[n + 3] : 0);
    }
    for (; n < N; n++) {
      const wBase = n * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += x[xBase + k] * weight[wBase + k];
      out[m * N + n] = acc + (bias ? bias[n] : 0);
    }
  }
}

/**
 * Backward of linear: dx = dy . weight, dweight = dy^T . x, dbias = column sums of dy (float64 sums).
 * dx     [M, K] or null (not needed: the network's input side)
 * dw     [N, K]
 * db     [N] or null
 * dy     [M, N]
 * x      [M, K]
 * weight [N, K]
 * dwAcc  [N * K] float64 scratch
 */
export function linearBackward(
  dx: Float32Array | null,
  dw: Float32Array,
  db: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  M: number,
  K: number,
  N: number,
  dwAcc: Float64Array,
): void {
  dwAcc.fill(0, 0, N * K);
  for (let m = 0; m < M; m++) {
    const xBase = m * K;
    const yBase = m * N;
    for (let n = 0; n < N; n++) {
      const g = dy[yBase + n];
      if (g === 0) continue;
      const wBase = n * K;
      for (let k = 0; k < K; k++) dwAcc[wBase + k] += g * x[xBase + k];
    }
    if (dx) {
      for (let k = 0; k < K; k++) {
        let acc = 0;
        for (let n = 0; n < N; n++) acc += dy[yBase + n] * weight[n * K + k];
        dx[xBase + k] = acc;
      }
    }
  }
  for (let i = 0; i < N * K; i++) dw[i] = dwAcc[i];
  if (db) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let m = 0; m < M; m++) acc += dy[m * N + n];
      db[n] = acc;
    }
  }
}
