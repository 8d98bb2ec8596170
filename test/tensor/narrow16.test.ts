// float32 -> float16 / bfloat16 (what `convert --dtype f16|bf16` writes), against exact arithmetic: every
// 16-bit value round-trips, and at every midpoint between two neighbours (exact in float32) the tie goes to the
// even one while the float32 values just beside it go to the nearer one, as torch's .half() / .bfloat16() round.
import { describe, expect, it } from "vitest";
import { floatToBFloat16, floatToHalf, narrow16 } from "../../src/tensor/narrow16.js";
import { halfToFloat } from "../../src/tensor/dtype.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), u32[0]);
const fromBits = (u: number) => ((u32[0] = u), f32[0]);
/** The float32 neighbours of a positive float32 value. */
const below = (x: number) => fromBits(bitsOf(x) - 1);
const above = (x: number) => fromBits(bitsOf(x) + 1);
const bfloatValue = (bits: number) => fromBits(bits << 16);

/** Checks `round` over all 15-bit magnitudes whose value `value(bits)` is finite, and their negatives. */
function checkRounding(round: (x: number) => number, value: (bits: number) => number, largest: number) {
  for (let bits = 0; bits <= largest; bits++) {
    const v = value(bits);
    expect(round(v)).toBe(bits);
    expect(round(-v)).toBe(bits | 0x8000);
    if (bits === largest) break;
    const next = value(bits + 1);
    const mid = (v + next) / 2;
    expect(Math.fround(mid)).toBe(mid); // exact: the test's premise
    expect(round(mid)).toBe(bits % 2 === 0 ? bits : bits + 1);
    expect(round(-mid)).toBe((bits % 2 === 0 ? bits : bits + 1) | 0x8000);
    if (mid > 0) {
      if (below(mid) > v) expect(round(below(mid))).toBe(bits);
      expect(round(above(mid))).toBe(bits + 1);
    }
  }
}

describe("float32 -> float16", () => {
  it("every finite half round-trips; ties go to even, the rest to the nearer half (all 31743 pairs, both signs)", () => {
    checkRounding(floatToHalf, halfToFloat, 0x7bff);
  });

  it("overflow, underflow, zeros and NaN", () => {
    expect(floatToHalf(65519.99)).toBe(0x7bff); // below 65504 + half an ulp
    expect(floatToHalf(65520)).toBe(0x7c00); // the tie rounds to even: infinity
    expect(floatToHalf(1e9)).toBe(0x7c00);
    expect(floatToHalf(-Infinity)).toBe(0xfc00);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // half the smallest subnormal: a tie, to even (zero)
    expect(floatToHalf(above(2 ** -25))).toBe(0x0001);
    expect(floatToHalf(-(2 ** -30))).toBe(0x8000);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
  });
});

describe("float32 -> bfloat16", () => {
  it("every finite bfloat16 round-trips; ties go to even, the rest to the nearer one (both signs)", () => {
    checkRounding(floatToBFloat16, bfloatValue, 0x7f7f);
  });

  it("overflow, infinities, zeros and NaN", () => {
    const maxMid = (bfloatValue(0x7f7f) + 2 ** 128) / 2; // the tie above the largest finite value
    expect(floatToBFloat16(below(maxMid))).toBe(0x7f7f);
    expect(floatToBFloat16(3.4028234663852886e38)).toBe(0x7f80); // float32's largest is above that tie
    expect(floatToBFloat16(Infinity)).toBe(0x7f80);
    expect(floatToBFloat16(-0)).toBe(0x8000);
    const nan = floatToBFloat16(NaN);
    expect(nan & 0x7f80).toBe(0x7f80);
    expect(nan & 0x7f).not.toBe(0);
  });

  it("narrow16 applies the same rounding to every element", () => {
    const values = Float32Array.of(1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, -65520, 2 ** -24);
    expect(Array.from(narrow16(values, "F16"))).toEqual([0x3c00, 0x3c00, 0x3c02, 0x3c04, 0xfc00, 0x0001]);
    expect(Array.from(narrow16(values, "BF16"))).toEqual([0x3f80, 0x3f80, 0x3f80, 0x3f80, 0xc780, 0x3380]);
  });
});
