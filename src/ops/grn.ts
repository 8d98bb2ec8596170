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

/**
 * Backward of GRN for one batch, y = gamma * (x * n) + beta + x with n[c] = g[c] / D, g[c] = ||x[:, c]||,
 * D = mean_c g + 1e-6 (per sample). With s[c] = sum_p dy * gamma * x:
 *   dL/dg[c] = s[c] / D - (sum_c' s[c'] g[c']) / (C D^2);   dx = dy (1 + gamma n) + dL/dg[c] * x / g[c]
 * (a channel with g = 0 passes no gradient through its norm, as torch.norm's backward).
 * dx, dy, x [N, HW, C]; dgamma, dbeta, gamma [C]; acc float64 scratch [3 C].
 */
export function globalResponseNormBackward(
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  N: number,
  HW: number,
  C: number,
  acc: Float64Array,
): void {
  const norm = acc.subarray(0, C);
  const s = acc.subarray(C, 2 * C);
  const sums = acc.subarray(2 * C, 3 * C); // dgamma, dbeta accumulate in dgamma/dbeta via these
  dgamma.fill(0);
  dbeta.fill(0);
  for (let n = 0; n < N; n++) {
    const base = n * HW * C;
    norm.fill(0);
    s.fill(0);
    sums.fill(0);
    for (let p = 0; p < HW; p++) {
      const row = base + p * C;
      for (let c = 0; c < C; c++) {
        norm[c] += x[row + c] * x[row + c];
        s[c] += dy[row + c] * x[row + c];
        sums[c] += dy[row + c];
      }
    }
    let mean = 0;
    for (let c = 0; c < C; c++) {
      norm[c] = Math.sqrt(norm[c]);
      mean += norm[c];
    }
    const D = mean / C + 1e-6;
    let sg = 0;
    for (let c = 0; c < C; c++) {
      dgamma[c] += s[c] * (norm[c] / D); // sum dy * x * n
      dbeta[c] += sums[c];
      s[c] *= gamma[c];
      sg += s[c] * norm[c];
    }
    for (let c = 0; c < C; c++) {
      // s becomes dL/dg * 1/g: the factor of x in the norm's term
      const dg = s[c] / D - sg / (C * D * D);
      s[c] = norm[c] > 0 ? dg / norm[c] : 0;
      norm[c] = 1 + (gamma[c] * norm[c]) / D; // 1 + gamma n
    }
    for (let p = 0; p < HW; p++) {
      const row = base + p * C;
      for (let c = 0; c < C; c++) dx[row + c] = dy[row + c] * norm[c] + s[c] * x[row + c];
    }
  }
}
