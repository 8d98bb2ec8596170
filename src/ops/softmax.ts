// Softmax over the last axis and top-k selection, for turning logits into labelled probabilities.

/** out [rows, C] = softmax(x [rows, C]) along C, max-subtracted for stability. */
export function softmax(out: Float32Array, x: Float32Array, rows: number, C: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, x[base + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(x[base + c] - max);
    for (let c = 0; c < C; c++) out[base + c] = Math.exp(x[base + c] - max) / sum;
  }
}

/** log-softmax of one row, in float64. */
export function logSoftmaxRow(x: ArrayLike<number>, offset: number, C: number): number[] {
  let max = -Infinity;
  for (let c = 0; c < C; c++) max = Math.max(max, x[offset + c]);
  let sum = 0;
  for (let c = 0; c < C; c++) sum += Math.exp(x[offset + c] - max);
  const logSum = max + Math.log(sum);
  return Array.from({ length: C }, (_, c) => x[offset + c] - logSum);
}

/** Indices of the k largest values of x[offset .. offset + C), largest first; ties keep the lower index. */
export function topK(x: ArrayLike<number>, offset: number, C: number, k: number): number[] {
  const idx = Array.from({ length: C }, (_, c) => c);
  idx.sort((a, b) => x[offset + b] - x[offset + a] || a - b);
  return idx.slice(0, Math.max(0, Math.min(k, C)));
}
