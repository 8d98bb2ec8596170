// torch.optim.AdamW's update of one tensor, the reference's loop (src/ops/adamw.ts) on two values at a time:
// float64 lanes rounded to float32 after every op, as the reference rounds each of PyTorch's tensor ops, so
// the result is the same bit for bit (no fused multiply-add here, in either build).

/** Math.fround on two float64 lanes. */
@inline
function round(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/** Two float32 values at p as float64 lanes. */
@inline
function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

@inline
function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** The update of the values i and i + 1 (or of i alone: lane 1 then neither read nor written). */
@inline
function update(
  param: usize,
  expAvg: usize,
  expAvgSq: usize,
  grad: usize,
  o: usize,
  single: bool,
  d: v128,
  b1: v128,
  b2: v128,
  c1: v128,
  c2: v128,
  step: v128,
  bc2: v128,
  e: v128,
): void {
  const g = single ? f64x2.splat(<f64>load<f32>(grad + o)) : load2(grad + o);
  const x0 = single ? f64x2.splat(<f64>load<f32>(param + o)) : load2(param + o);
  const m0 = single ? f64x2.splat(<f64>load<f32>(expAvg + o)) : load2(expAvg + o);
  const v0 = single ? f64x2.splat(<f64>load<f32>(expAvgSq + o)) : load2(expAvgSq + o);
  const x = round(f64x2.mul(x0, d)); // param.mul_(1 - lr * weight_decay)
  const m = round(f64x2.add(round(f64x2.mul(m0, b1)), round(f64x2.mul(c1, g))));
  const v = round(f64x2.add(round(f64x2.mul(v0, b2)), round(f64x2.mul(c2, round(f64x2.mul(g, g))))));
  const denom = round(f64x2.add(round(f64x2.div(round(f64x2.sqrt(v)), bc2)), e));
  const p = round(f64x2.add(x, round(f64x2.mul(step, round(f64x2.div(m, denom))))));
  if (single) {
    store<f32>(expAvg + o, <f32>f64x2.extract_lane(m, 0));
    store<f32>(expAvgSq + o, <f32>f64x2.extract_lane(v, 0));
    store<f32>(param + o, <f32>f64x2.extract_lane(p, 0));
  } else {
    store2(expAvg + o, m);
    store2(expAvgSq + o, v);
    store2(param + o, p);
  }
}

/**
 * param, expAvg, expAvgSq [n] updated in place from grad [n] for the values i0 <= i < i1: decay = 1 - lr
 * weight_decay, stepSize = lr / (1 - beta1^t), correction2 = sqrt(1 - beta2^t) (float64 scalars).
 */
export function adamw(
  param: usize,
  expAvg: usize,
  expAvgSq: usize,
  grad: usize,
  decay: f64,
  beta1: f64,
  beta2: f64,
  stepSize: f64,
  correction2: f64,
  eps: f64,
  i0: i32,
  i1: i32,
): void {
  const d = f64x2.splat(decay);
  const b1 = f64x2.splat(beta1);
  const b2 = f64x2.splat(beta2);
  const c1 = f64x2.splat(1 - beta1);
  const c2 = f64x2.splat(1 - beta2);
  const step = f64x2.splat(-stepSize);
  const bc2 = f64x2.splat(correction2);
  const e = f64x2.splat(eps);
  let i = i0;
  for (; i + 2 <= i1; i += 2) update(param, expAvg, expAvgSq, grad, (<usize>i) << 2, false, d, b1, b2, c1, c2, step, bc2, e); // prettier-ignore
  if (i < i1) update(param, expAvg, expAvgSq, grad, (<usize>i) << 2, true, d, b1, b2, c1, c2, step, bc2, e);
}
