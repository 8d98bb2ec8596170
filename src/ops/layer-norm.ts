// ConvNextLayerNorm in its two layouts. Both use the biased variance; the channels-first form divides by
// sqrt(var + eps) exactly as HF writes it (docs/REFERENCE.md §1). Sums run in float64 (JS numbers).

/**
 * Normalises each row of `C` contiguous values (channels-last, F.layer_norm over the last dim).
 * out [rows, C], x [rows, C], weight [C], bias [C]
 */
export function layerNormChannelsLast(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  rows: number,
  C: number,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * C;
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[base + c];
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) {
      const d = x[base + c] - mean;
      variance += d * d;
    }
    variance /= C;
    const std = Math.sqrt(variance + eps);
    for (let c = 0; c < C; c++) out[base + c] = ((x[base + c] - mean) / std) * weight[c] + bias[c];
  }
}

/**
 * Normalises over dim 1 of NCHW: for every (n, pixel), the C values strided by HW.
 * out [N, C, HW], x [N, C, HW], weight [C], bias [C]
 */
export function layerNormChannelsFirst(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  N: number,
  C: number,
  HW: number,
  eps: number,
): void {
  for (let n = 0; n < N; n++) {
    const base = n * C * HW;
    for (let p = 0; p < HW; p++) {
      let mean = 0;
      for (let c = 0; c < C; c++) mean += x[base + c * HW + p];
      mean /= C;
      let variance = 0;
      for (let c = 0; c < C; c++) {
        const d = x[base + c * HW + p] - mean;
        variance += d * d;
      }
      variance /= C;
      const std = Math.sqrt(variance + eps);
      for (let c = 0; c < C; c++) {
        const i = base + c * HW + p;
        out[i] = weight[c] * ((x[i] - mean) / std) + bias[c];
      }
    }
  }
}
