// The int8 definition (src/ops/quantize.ts) on hand-computed cases: the kernels are tested against it
// (test/backend/gemm-dtypes.test.ts), so here it is checked against arithmetic done by hand.
import { describe, expect, it } from "vitest";
import {
  activationQuantization,
  dequantizeWeights,
  quantizeActivation,
  quantizedLinear,
  quantizeWeights,
} from "../../src/ops/quantize.js";

describe("weights: per output channel, symmetric, [-127, 127]", () => {
  it("scale = max |w| / 127, values rounded to nearest with ties to even; a zero row has scale 0", () => {
    const w = Float32Array.of(127, 0.5, 1.5, 2.5, -0.5, 0, 0, 0, 0, 0, -127, 63.5, 62.5, 0, 0);
    const { values, scales } = quantizeWeights(w, 3, 5);
    expect(Array.from(scales)).toEqual([1, 0, 1]);
    expect(Array.from(values)).toEqual([127, 0, 2, 2, 0, 0, 0, 0, 0, 0, -127, 64, 62, 0, 0]);
    const row = quantizeWeights(Float32Array.of(254, -3, 63.5, 1), 1, 4);
    expect(Array.from(row.scales)).toEqual([2]);
    expect(Array.from(row.values)).toEqual([127, -2, 32, 0]); // -1.5 -> -2, 31.75 -> 32, 0.5 -> 0
    expect(Array.from(dequantizeWeights(row.values, row.scales, 1, 4))).toEqual([254, -4, 64, 0]);
  });

  it("a non-finite weight is refused with its position", () => {
    expect(() => quantizeWeights(Float32Array.of(1, 2, NaN, 4), 2, 2)).toThrow(
      "int8 quantization: weight [1, 0] is NaN",
    );
    expect(() => quantizeWeights(Float32Array.of(1, -Infinity), 1, 2)).toThrow("weight [0, 1] is -Infinity");
  });
});

describe("activations: per pixel, uint8 with a zero point, the range always holding 0", () => {
  it("[-1, 0, 3]: range 4, zero point 64 (63.75 rounded), levels 0, 64, 255", () => {
    const q = activationQuantization(Float32Array.of(-1, 0, 3), 0, 1, 3);
    expect(q.inv).toBe(63.75);
    expect(q.scale).toBe(Math.fround(4 / 255));
    expect(q.zero).toBe(64);
    expect([-1, 0, 3].map((x) => quantizeActivation(x, q.inv, q.zero))).toEqual([-64, 0, 191]);
  });

  it("an all-positive pixel is stretched to 0 (zero point 0); 127.5 ties to the even 128; beyond the range clamps", () => {
    const q = activationQuantization(Float32Array.of(1, 2), 0, 1, 2);
    expect([q.inv, q.zero]).toEqual([127.5, 0]);
    expect([1, 2, 3, -1].map((x) => quantizeActivation(x, q.inv, q.zero))).toEqual([128, 255, 255, 0]);
    const negative = activationQuantization(Float32Array.of(-2, -1), 0, 1, 2);
    expect(negative.zero).toBe(255);
    // -1: level 127.5, to the even 128
    expect([-2, -1, 0].map((x) => quantizeActivation(x, negative.inv, negative.zero))).toEqual([-255, -127, 0]);
  });

  it("strided pixels of a [K, P] plane; an all-zero pixel has scale 0 and quantizes to 0; NaN is skipped", () => {
    const plane = Float32Array.of(0, 5, NaN, 0, -5, 1); // K = 3 rows of P = 2 pixels
    const pixel0 = activationQuantization(plane, 0, 2, 3); // 0, NaN, -5
    expect([pixel0.inv, pixel0.scale, pixel0.zero]).toEqual([51, Math.fround(5 / 255), 255]);
    const empty = activationQuantization(new Float32Array(4), 0, 1, 4);
    expect([empty.inv, empty.scale, empty.zero]).toEqual([0, 0, 0]);
    expect(quantizeActivation(0, empty.inv, empty.zero)).toBe(0);
    expect(quantizeActivation(NaN, pixel0.inv, pixel0.zero)).toBe(-255); // NaN -> level 0
  });
});

describe("quantizedLinear", () => {
  it("x [-1, 0, 3] . [1, 2, 3] * 0.5 + 0.25: the integer sum 509, then one float32 scale and the bias", () => {
    const out = new Float32Array(1);
    quantizedLinear(out, Float32Array.of(-1, 0, 3), Int8Array.of(1, 2, 3), Float32Array.of(0.5), Float32Array.of(0.25), 1, 3, 1); // prettier-ignore
    // -64 * 1 + 0 * 2 + 191 * 3 = 509; 509 * (0.5 * 4 / 255) = 3.99215..., + 0.25
    expect(out[0]).toBe(Math.fround(Math.fround(509 * Math.fround(0.5 * Math.fround(4 / 255))) + 0.25));
    expect(out[0]).toBeCloseTo(4.2421569, 6);
    // in float32: (-1 + 9) * 0.5 + 0.25 = 4.25; -1 and 3 stand for -64 and 191 steps of 4 / 255: -1.0039, 2.9961
    expect(Math.abs(out[0] - 4.25)).toBeLessThan(0.008);
  });
});
