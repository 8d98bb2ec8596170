// ConvNeXT V2's Global Response Normalization on channels-first planes, in two parallel phases around a
// per-image mean the caller computes: norms (sum of squares over the real pixels, float64) then the update.

/** norms[q] = ||x[q, 0 .. HW)||_2 for planes q0 <= q < q1 of x [planes, P]. */
export function grnNorms(norms: usize, x: usize, HW: i32, P: i32, q0: i32, q1: i32): void {
  for (let q = q0; q < q1; q++) {
    const xq = x + ((<usize>q * <usize>P) << 2);
    let s0 = f64x2.splat(0);
    let s1 = s0;
    let i = 0;
    for (; i + 4 <= HW; i += 4) {
      const v = v128.load(xq + ((<usize>i) << 2));
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      s0 = f64x2.add(s0, f64x2.mul(lo, lo));
      s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    }
    const s = f64x2.add(s0, s1);
    let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    for (; i < HW; i++) {
      const v = <f64>load<f32>(xq + ((<usize>i) << 2));
      sum += v * v;
    }
    store<f64>(norms + ((<usize>q) << 3), Math.sqrt(sum));
  }
}

/** x = gamma * (x * scale[q]) + beta + x on planes q0 <= q < q1 (channel q % C); scale float32 [planes]. */
export function grnApply(x: usize, gamma: usize, beta: usize, scale: usize, C: i32, P: i32, q0: i32, q1: i32): void {
  for (let q = q0; q < q1; q++) {
    const c = q % C;
    const xq = x + ((<usize>q * <usize>P) << 2);
    const g = f32x4.splat(load<f32>(gamma + ((<usize>c) << 2)));
    const b = f32x4.splat(load<f32>(beta + ((<usize>c) << 2)));
    const s = f32x4.splat(load<f32>(scale + ((<usize>q) << 2)));
    for (let i = 0; i < P; i += 4) {
      const p = xq + ((<usize>i) << 2);
      const v = v128.load(p);
      v128.store(p, f32x4.add(f32x4.add(f32x4.mul(g, f32x4.mul(v, s)), b), v));
    }
  }
}
