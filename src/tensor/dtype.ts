// Storage dtypes found in checkpoints (safetensors names) and their decoding to float32 (narrow16.ts rounds
// float32 to the two 16-bit float formats). Node 20 has no Float16Array, so half and bfloat16 are handled bit
// by bit here.

export type DType = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

export const DTYPE_BYTES: Record<DType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isDType(name: string): name is DType {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, name);
}

/** IEEE 754 binary16 -> number, exact for subnormals, infinities and NaN. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // subnormal (or zero)
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 is the top half of a float32: shift the bits into place. */
function decodeBF16(bytes: Uint8Array, out: Float32Array): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < out.length; i++) bits[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16;
}

/** 16-bit float values (F16 or BF16 bits) widened to float32: exact, every 16-bit value is a float32. */
export function widen16(bits: Uint16Array, dtype: "F16" | "BF16"): Float32Array {
  const out = new Float32Array(bits.length);
  if (dtype === "BF16") {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) u[i] = bits[i] << 16;
  } else {
    for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
  }
  return out;
}

/**
 * Decodes little-endian raw bytes of `dtype` to a Float32Array of `count` elements. F32 bytes at a 4-byte
 * aligned offset are viewed, not copied: a model's weights then stay in the checkpoint's bytes, held once
 * (a copy doubled the memory a load needed). Anything else is decoded into a new array; integers exactly
 * where float32 can hold them (label tensors).
 */
export function decodeToFloat32(bytes: Uint8Array, dtype: DType, count: number): Float32Array {
  const need = count * DTYPE_BYTES[dtype];
  if (bytes.length !== need)
    throw new Error(`${dtype} tensor of ${count} elements needs ${need} bytes, got ${bytes.length}`);
  if (dtype === "F32" && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F32":
      new Uint8Array(out.buffer).set(bytes); // unaligned: copied into place
      break;
    case "F64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case "BF16":
      decodeBF16(bytes, out);
      break;
    case "I64":
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(8 * i, true));
      break;
    case "I32":
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      break;
    case "I16":
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
      break;
    case "I8":
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case "U8":
    case "BOOL":
      out.set(bytes);
      break;
  }
  return out;
}

export function isFloatDType(dtype: DType): boolean {
  return dtype === "F64" || dtype === "F32" || dtype === "F16" || dtype === "BF16";
}
