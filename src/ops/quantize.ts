// Int8 quantization as this engine defines it; every int8 kernel (wasm, pure TS) reproduces these
// operations exactly, float32 rounding for float32 rounding:
//   weights      per output channel (row), symmetric: w[o, k] ~ q[o, k] * scale[o], q in [-127, 127],
//                scale = max_k |w[o, k]| / 127 (quantized once, when a model is converted or loaded);
//   activations  per pixel (a row of the [pixels, K] input), asymmetric uint8 with a zero point, computed
//                at run time like onnxruntime's DynamicQuantizeLinear (whose range always includes 0) but
//                for each pixel instead of the whole tensor: x[k] ~ (u[k] - zero) * xscale, u in [0, 255],
//                u = clamp(round(f32(x * inv) + zero)) with inv = 255 / range, one rounding;
//   product      sum_k q[o, k] * (u[k] - zero) exactly (int32), then one float32 multiply by
//                scale[o] * xscale and the bias: out = f32(f32(acc) * f32(scale[o] * xscale)) + bias[o].
// Rounding is to nearest, ties to even, by one float32 addition of 2^23 (as the wasm kernels do it).

export const WEIGHT_LEVELS = 127; // int8 weights in [-127, 127]: symmetric, -128 unused
export const ACTIVATION_LEVELS = 255; // uint8 activations in [0, 255]

const f32 = Math.fround;
const MAGIC = 8388608; // 2^23: float32 values in [2^23, 2^24) are the integers, so f32(t + 2^23) rounds t

/**
 * The level of a + zero (a float32, zero an integer level): round(a + zero) by the float32 sum
 * a + (zero + 2^23), clamped to [0, 255]; NaN -> 0 (the clamp is the wasm kernels' pmax, pmin).
 */
function level(a: number, zero: number): number {
  const t = f32(a + (zero + MAGIC));
  const lo = MAGIC < t ? t : MAGIC;
  return (MAGIC + ACTIVATION_LEVELS < lo ? MAGIC + ACTIVATION_LEVELS : lo) - MAGIC;
}

/**
 * How one pixel's K values x[offset + k * stride] are quantized: the range [min(0, min x), max(0, max x)]
 * (NaN values are skipped, as pmin/pmax skip them), inv = 255 / range (0 for an all-zero pixel), the
 * dequantization scale range / 255, and the zero point: the level of 0.
 */
export function activationQuantization(
  x: ArrayLike<number>,
  offset: number,
  stride: number,
  K: number,
): { inv: number; scale: number; zero: number } {
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < K; k++) {
    const v = x[offset + k * stride];
    lo = v < lo ? v : lo;
    hi = hi < v ? v : hi;
  }
  const range = f32(hi - lo);
  const inv = range > 0 ? f32(ACTIVATION_LEVELS / range) : 0;
  return { inv, scale: f32(range / ACTIVATION_LEVELS), zero: level(f32(-lo * inv), 0) };
}

/** One activation, quantized with its pixel's inv and zero point, minus the zero point: in [-255, 255]. */
export function quantizeActivation(x: number, inv: number, zero: number): number {
  return level(f32(x * inv), zero) - zero;
}

/** Round half to even (any sign). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Per-output-channel symmetric int8 of w [rows, cols]: values [rows, cols] and scales [rows]. A row of zeros
 * gets scale 0. Throws on a non-finite weight (it has no int8 value).
 */
export function quantizeWeights(
  w: Float32Array,
  rows: number,
  cols: number,
): { values: Int8Array; scales: Float32Array } {
  const values = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[r * cols + c]);
      if (!Number.isFinite(a)) throw new Error(`int8 quantization: weight [${r}, ${c}] is ${w[r * cols + c]}`);
      max = Math.max(max, a);
    }
    const scale = f32(max / WEIGHT_LEVELS);
    scales[r] = scale;
    if (scale === 0) continue;
    for (let c = 0; c < cols; c++) {
      const q = roundHalfEven(w[r * cols + c] / scale);
      values[r * cols + c] = Math.max(-WEIGHT_LEVELS, Math.min(WEIGHT_LEVELS, q));
    }
  }
  return { values, scales };
}

/** values [rows, cols] * scales[row] as float32 (what an int8 weight stands for). */
export function dequantizeWeights(values: Int8Array, scales: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = values[r * cols + c] * scales[r];
  return out;
}

/**
 * nn.Linear with int8 weights, the definition of the int8 GEMMs: each row of x quantized as above, an exact
 * integer dot product with the weight row, then one float32 scale and the bias.
 * out [M, N] = x [M, K] . (values [N, K] * scales [N])^T + bias [N]
 */
export function quantizedLinear(
  out: Float32Array,
  x: Float32Array,
  values: Int8Array,
  scales: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
): void {
  const q = new Float64Array(K); // u - zero of one row, exact small integers
  for (let m = 0; m < M; m++) {
    const { inv, scale, zero } = activationQuantization(x, m * K, 1, K);
    for (let k = 0; k < K; k++) q[k] = quantizeActivation(x[m * K + k], inv, zero);
    for (let n = 0; n < N; n++) {
      let acc = 0; // |acc| <= K * 127 * 255: exact in float64 and in int32 for K < 66000
      for (let k = 0; k < K; k++) acc += values[n * K + k] * q[k];
      out[m * N + n] = f32(f32(f32(acc) * f32(scales[n] * scale)) + (bias ? bias[n] : 0));
    }
  }
}
