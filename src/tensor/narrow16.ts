// float32 rounded to the two 16-bit float formats, as torch's .half() / .bfloat16() do: what
// `convnext convert --dtype f16|bf16` writes and fromPretrained's dtype option converts to (dtype.ts widens
// them back). Bit by bit: Node 20 has no Float16Array.

/**
 * float32 -> IEEE binary16 bits, rounded to nearest, ties to even (as torch's .half()): overflow gives
 * infinity, tiny values subnormals or a signed zero, NaN a quiet NaN.
 */
export function floatToHalf(x: number): number {
  const f = Math.fround(x);
  const sign = f < 0 || Object.is(f, -0) ? 0x8000 : 0;
  const a = Math.abs(f);
  if (Number.isNaN(f)) return 0x7e00;
  if (a >= 65520) return sign | 0x7c00; // 65504 + half an ulp rounds up to infinity
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (0x0400 when it rounds up: the smallest normal)
  const exponent = Math.floor(Math.log2(a));
  const e = 2 ** exponent > a ? exponent - 1 : 2 ** (exponent + 1) <= a ? exponent + 1 : exponent; // log2 may round
  const mantissa = roundHalfEven((a / 2 ** e - 1) * 1024); // exact: a has 24 significant bits
  return sign | (((e + 15) << 10) + mantissa); // a carry out of the mantissa moves to the next exponent
}

/** float32 -> bfloat16 bits, rounded to nearest, ties to even (as torch's .bfloat16()); NaN stays NaN. */
export function floatToBFloat16(x: number): number {
  scratch32[0] = x;
  const u = scratchU32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x40; // NaN: keep it quiet and a NaN
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
}

const scratch32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratch32.buffer);

/** Round half to even for non-negative numbers. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/** float32 values rounded to F16 or BF16 bits. */
export function narrow16(values: Float32Array, dtype: "F16" | "BF16"): Uint16Array {
  const out = new Uint16Array(values.length);
  const round = dtype === "F16" ? floatToHalf : floatToBFloat16;
  for (let i = 0; i < values.length; i++) out[i] = round(values[i]);
  return out;
}
