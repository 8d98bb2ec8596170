// Decoding of checkpoint dtypes to float32, against hand-computed IEEE 754 cases.
import { describe, expect, it } from "vitest";
import { decodeToFloat32, halfToFloat } from "../../src/tensor/dtype.js";
import { permute, Tensor } from "../../src/tensor/tensor.js";

const bytesOf16 = (values: number[]) => new Uint8Array(Uint16Array.from(values).buffer);

describe("float16", () => {
  const cases: Array<[number, number]> = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504], // largest normal
    [0x0400, 2 ** -14], // smallest normal
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];
  it.each(cases)("0x%s decodes exactly", (bits, value) => {
    expect(halfToFloat(bits)).toBe(value);
    expect(decodeToFloat32(bytesOf16([bits]), "F16", 1)[0]).toBe(value);
  });
  it("negative zero and NaN", () => {
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x7c01)).toBeNaN();
  });
  it("every finite half round-trips through float32 rounding of its value", () => {
    for (let bits = 0; bits < 0x7c00; bits++) {
      const v = halfToFloat(bits);
      expect(Math.fround(v)).toBe(v); // halves are exact in float32
    }
  });
});

describe("bfloat16", () => {
  it("is the top 16 bits of a float32", () => {
    const f = Float32Array.of(1.5, -3.140625, 2 ** -130, Infinity, NaN, 1e38);
    const u = new Uint32Array(f.buffer);
    const bf = bytesOf16(Array.from(u, (x) => x >>> 16));
    const out = decodeToFloat32(bf, "BF16", f.length);
    expect(out[0]).toBe(1.5);
    expect(out[1]).toBe(-3.140625);
    expect(out[2]).toBe(2 ** -130); // subnormal kept
    expect(out[3]).toBe(Infinity);
    expect(out[4]).toBeNaN();
    expect(out[5]).toBe(new Float32Array(new Uint32Array([(u[5] >>> 16) << 16]).buffer)[0]);
  });
});

describe("other dtypes", () => {
  it("F64, I64, I32, U8 and BOOL decode to their values", () => {
    expect(Array.from(decodeToFloat32(new Uint8Array(Float64Array.of(0.1, -2).buffer), "F64", 2))).toEqual([
      Math.fround(0.1),
      -2,
    ]);
    expect(Array.from(decodeToFloat32(new Uint8Array(BigInt64Array.of(3n, -100n).buffer), "I64", 2))).toEqual([
      3, -100,
    ]);
    expect(Array.from(decodeToFloat32(new Uint8Array(Int32Array.of(7, -1).buffer), "I32", 2))).toEqual([7, -1]);
    expect(Array.from(decodeToFloat32(Uint8Array.of(0, 255), "U8", 2))).toEqual([0, 255]);
  });
  it("F32 from an unaligned view (copied) and an aligned one (viewed, not copied)", () => {
    const buf = new Uint8Array(9);
    buf.set(new Uint8Array(Float32Array.of(1.25, -7).buffer), 1);
    const unaligned = decodeToFloat32(buf.subarray(1), "F32", 2);
    expect(Array.from(unaligned)).toEqual([1.25, -7]);
    expect(unaligned.buffer).not.toBe(buf.buffer);
    const aligned = new Uint8Array(12);
    aligned.set(new Uint8Array(Float32Array.of(1.25, -7).buffer), 4);
    const viewed = decodeToFloat32(aligned.subarray(4), "F32", 2);
    expect(Array.from(viewed)).toEqual([1.25, -7]);
    expect(viewed.buffer).toBe(aligned.buffer);
    expect(viewed.byteOffset).toBe(4);
  });
  it("refuses a byte count that does not match", () => {
    expect(() => decodeToFloat32(new Uint8Array(6), "F32", 2)).toThrow(/needs 8 bytes, got 6/);
  });
});

describe("Tensor", () => {
  it("permute NCHW -> NHWC moves elements to their transposed index", () => {
    const x = Tensor.from(
      Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i),
      [2, 3, 4, 5],
    );
    const y = permute(x, [0, 2, 3, 1]);
    expect(y.shape).toEqual([2, 4, 5, 3]);
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 3; c++)
        for (let h = 0; h < 4; h++)
          for (let w = 0; w < 5; w++)
            expect(y.data[((n * 4 + h) * 5 + w) * 3 + c]).toBe(x.data[((n * 3 + c) * 4 + h) * 5 + w]);
  });
  it("reshape infers -1 and checks sizes", () => {
    expect(Tensor.zeros([2, 6]).reshape([3, -1]).shape).toEqual([3, 4]);
    expect(() => Tensor.zeros([2, 6]).reshape([5, -1])).toThrow(/cannot reshape/);
    expect(() => new Tensor(new Float32Array(3), [2, 2])).toThrow(/needs 4/);
  });
});
