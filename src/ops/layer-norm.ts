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

/**
 * Backward of one LayerNorm over `count` vectors of C values, vector i at base(i) with channel stride s:
 * with xhat = (x - mean) / std and g = dy * weight,
 *   dx = (g - mean(g) - xhat * mean(g * xhat)) / std,  dweight = sum dy * xhat,  dbias = sum dy.
 * Mean and std are recomputed from x (cheaper than keeping them). `acc` is float64 scratch of 2 C.
 */
function layerNormBackward(
  dx: Float32Array,
  dw: Float32Array,
  db: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  count: number,
  base: (i: number) => number,
  s: number,
  C: number,
  eps: number,
  acc: Float64Array,
): void {
  acc.fill(0, 0, 2 * C);
  for (let i = 0; i < count; i++) {
    const b = base(i);
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[b + c * s];
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (x[b + c * s] - mean) ** 2;
    const std = Math.sqrt(variance / C + eps);
    let meanG = 0;
    let meanGx = 0;
    for (let c = 0; c < C; c++) {
      const j = b + c * s;
      const xhat = (x[j] - mean) / std;
      const g = dy[j] * weight[c];
      meanG += g;
      meanGx += g * xhat;
      acc[c] += dy[j] * xhat;
      acc[C + c] += dy[j];
    }
    meanG /= C;
    meanGx /= C;
    for (let c = 0; c < C; c++) {
      const j = b + c * s;
      const xhat = (x[j] - mean) / std;
      dx[j] = (dy[j] * weight[c] - meanG - xhat * meanGx) / std;
    }
  }
  for (let c = 0; c < C; c++) {
    dw[c] = acc[c];
    db[c] = acc[C + c];
  }
}

/** Backward of layerNormChannelsLast. dx, dy, x [rows, C]; dw, db, weight [C]; acc float64 scratch [2 C]. */
export function layerNormChannelsLastBackward(
  dx: Float32Array,
  dw: Float32Array,
  db: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  rows: number,
  C: number,
  eps: number,
  acc: Float64Array,
): void {
  layerNormBackward(dx, dw, db, dy, x, weight, rows, (r) => r * C, 1, C, eps, acc);
}

/** Backward of layerNormChannelsFirst. dx, dy, x [N, C, HW]; dw, db, weight [C]; acc float64 scratch [2 C]. */
export function layerNormChannelsFirstBackward(
  dx: Float32Array,
  dw: Float32Array,
  db: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  N: number,
  C: number,
  HW: number,
  eps: number,
  acc: Float64Array,
): void {
  const base = (i: number) => Math.floor(i / HW) * C * HW + (i % HW);
  layerNormBackward(dx, dw, db, dy, x, weight, N * HW, base, HW, C, eps, acc);
}
