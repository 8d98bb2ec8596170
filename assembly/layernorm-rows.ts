// ConvNextLayerNorm over rows of C contiguous channels (channels-last, the block's LayerNorm in training),
// forward and backward; the inference executor's LayerNorm (layernorm.ts) works on channels-first planes.
// Row statistics in float32 vectors; the backward's weight and bias gradients in float64 per thread.

/** Sum of the C floats at p (4 lanes, then the tail). */
@inline
function rowSum(p: usize, C: i32): f32 {
  let s = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= C; c += 4) s = f32x4.add(s, v128.load(p + ((<usize>c) << 2)));
  let t = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
  for (; c < C; c++) t += load<f32>(p + ((<usize>c) << 2));
  return t;
}

/** Sum of (x - mean)^2 over the C floats at p. */
@inline
function rowSquares(p: usize, C: i32, mean: f32): f32 {
  const m = f32x4.splat(mean);
  let s = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const d = f32x4.sub(v128.load(p + ((<usize>c) << 2)), m);
    s = f32x4.add(s, f32x4.mul(d, d));
  }
  let t = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
  for (; c < C; c++) {
    const d = load<f32>(p + ((<usize>c) << 2)) - mean;
    t += d * d;
  }
  return t;
}

/** out, x [rows, C] (in place allowed); w, b [C]; rows r0 <= r < r1. */
export function layerNormRows(out: usize, x: usize, w: usize, b: usize, C: i32, eps: f32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = x + ((<usize>r * <usize>C) << 2);
    const or = out + ((<usize>r * <usize>C) << 2);
    const mean = rowSum(xr, C) / <f32>C;
    const std = Mathf.sqrt(rowSquares(xr, C, mean) / <f32>C + eps);
    const m = f32x4.splat(mean);
    const s = f32x4.splat(std);
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      const xhat = f32x4.div(f32x4.sub(v128.load(xr + o), m), s);
      v128.store(or + o, f32x4.add(f32x4.mul(xhat, v128.load(w + o)), v128.load(b + o)));
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      store<f32>(or + o, ((load<f32>(xr + o) - mean) / std) * load<f32>(w + o) + load<f32>(b + o));
    }
  }
}

/**
 * Backward, per row (xhat = (x - mean) / std, g = dy * w): dx = (g - mean(g) - xhat * mean(g * xhat)) / std;
 * this thread's dweight += dy * xhat and dbias += dy go to partial + tid * partialBytes ([2 C] float64,
 * zeroed by the caller, who sums the threads'). dx, dy, x [rows, C]; w [C]; rows r0 <= r < r1.
 */
export function layerNormRowsBackward(
  dx: usize,
  dy: usize,
  x: usize,
  w: usize,
  C: i32,
  eps: f32,
  partialBase: usize,
  partialBytes: usize,
  r0: i32,
  r1: i32,
  tid: i32,
): void {
  const dw = partialBase + <usize>tid * partialBytes;
  const db = dw + ((<usize>C) << 3);
  for (let r = r0; r < r1; r++) {
    const off = (<usize>r * <usize>C) << 2;
    const xr = x + off;
    const gr = dy + off;
    const mean = rowSum(xr, C) / <f32>C;
    const std = Mathf.sqrt(rowSquares(xr, C, mean) / <f32>C + eps);
    let sg: f32 = 0;
    let sgx: f32 = 0;
    for (let c = 0; c < C; c++) {
      const o = (<usize>c) << 2;
      const xhat = (load<f32>(xr + o) - mean) / std;
      const d = load<f32>(gr + o);
      const g = d * load<f32>(w + o);
      sg += g;
      sgx += g * xhat;
      const q = (<usize>c) << 3;
      store<f64>(dw + q, load<f64>(dw + q) + <f64>(d * xhat));
      store<f64>(db + q, load<f64>(db + q) + <f64>d);
    }
    const meanG = f32x4.splat(sg / <f32>C);
    const meanGx = f32x4.splat(sgx / <f32>C);
    const m = f32x4.splat(mean);
    const s = f32x4.splat(std);
    const dr = dx + off;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      const xhat = f32x4.div(f32x4.sub(v128.load(xr + o), m), s);
      const g = f32x4.mul(v128.load(gr + o), v128.load(w + o));
      v128.store(dr + o, f32x4.div(f32x4.sub(f32x4.sub(g, meanG), f32x4.mul(xhat, meanGx)), s));
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      const xhat = (load<f32>(xr + o) - mean) / std;
      const g = load<f32>(gr + o) * load<f32>(w + o);
      store<f32>(dr + o, (g - sg / <f32>C - xhat * (sgx / <f32>C)) / std);
    }
  }
}
