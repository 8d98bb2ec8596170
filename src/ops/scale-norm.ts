// timm's scale-only norms over the channels (timm/layers/norm.py + fast_norm.py): no centring of x, no bias.
//   rmsnorm:    out = x / sqrt(mean_c(x^2) + eps) * weight                          (RmsNorm2d, rms_norm2d)
//   simplenorm: out = x / sqrt(var_c(x) + eps) * weight, var unbiased (/ (C - 1))     (SimpleNorm2d, torch.var)
// Sums run in float64 (JS numbers).

/**
 * Normalises over dim 1 of [N, C, HW] (HW = 1: rows of C contiguous values, the channels-last case).
 * out [N, C, HW], x [N, C, HW], weight [C]
 */
export function scaleNorm(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  N: number,
  C: number,
  HW: number,
  eps: number,
  type: "rmsnorm" | "simplenorm",
): void {
  for (let n = 0; n < N; n++) {
    const base = n * C * HW;
    for (let p = 0; p < HW; p++) {
      let s = 0;
      if (type === "rmsnorm") {
        for (let c = 0; c < C; c++) s += x[base + c * HW + p] ** 2;
        s /= C;
      } else {
        let mean = 0;
        for (let c = 0; c < C; c++) mean += x[base + c * HW + p];
        mean /= C;
        for (let c = 0; c < C; c++) s += (x[base + c * HW + p] - mean) ** 2;
        s /= C - 1;
      }
      const scale = 1 / Math.sqrt(s + eps);
      for (let c = 0; c < C; c++) {
        const i = base + c * HW + p;
        out[i] = x[i] * scale * weight[c];
      }
    }
  }
}
