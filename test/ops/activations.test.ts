// erf/erfc and every ACT2FN activation against independent references: Python's libm values
// (test/fixtures/erf-reference.json, made by tools/erf_reference.py) and PyTorch's formulas.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS, erf, erfc, gelu, getActivation } from "../../src/ops/index.js";
import { fixture } from "../helpers/helpers.js";

const reference = JSON.parse(readFileSync(fixture("erf-reference.json"), "utf8")) as {
  rows: Array<{ x: number; erf: number; erfc: number; gelu: number }>;
};

/** Relative error, with an absolute floor far below float32 resolution for values near 0. */
function relErr(a: number, e: number): number {
  return Math.abs(a - e) / Math.max(Math.abs(e), 1e-300);
}

describe("erf / erfc", () => {
  it(`match libm (erf to 1e-14 absolute, erfc to 5e-12 relative) on ${reference.rows.length} points, tails included`, () => {
    let worstErf = 0;
    let worstErfc = 0;
    for (const { x, erf: e, erfc: ec } of reference.rows) {
      worstErf = Math.max(worstErf, Math.abs(erf(x) - e));
      if (ec > 1e-300) worstErfc = Math.max(worstErfc, relErr(erfc(x), ec));
    }
    expect(worstErf).toBeLessThan(1e-14);
    expect(worstErfc).toBeLessThan(5e-12); // 1 - erf cancels near z = 2; float32 needs only 6e-8
  });

  it("handles NaN and infinities", () => {
    expect(erf(NaN)).toBeNaN();
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
  });
});

describe("GELU (exact erf form)", () => {
  it("is exact to float32 everywhere, ±400 included", () => {
    for (const { x, gelu: e } of reference.rows) {
      const a = gelu(x);
      // float32(a) must equal float32(e): exact to the precision the model stores
      if (Math.abs(e) > 1e-37) expect(Math.fround(a), `gelu(${x})`).toBe(Math.fround(e));
      else expect(Math.abs(a)).toBeLessThan(1e-37);
    }
    expect(gelu(400)).toBe(400);
    expect(Object.is(gelu(-400), -0) || gelu(-400) === 0).toBe(true);
    expect(gelu(0)).toBe(0);
  });
});

describe("ACT2FN names", () => {
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const tanhGelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  const expected: Record<string, (x: number) => number> = {
    gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    gelu_python: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    gelu_new: tanhGelu,
    gelu_pytorch_tanh: tanhGelu,
    gelu_accurate: tanhGelu,
    gelu_fast: (x) => 0.5 * x * (1 + Math.tanh(0.7978845608 * x * (1 + 0.044715 * x * x))),
    gelu_10: (x) => Math.max(-10, Math.min(10, 0.5 * x * (1 + erf(x / Math.SQRT2)))),
    quick_gelu: (x) => x * sigmoid(1.702 * x),
    relu: (x) => Math.max(0, x),
    relu6: (x) => Math.min(6, Math.max(0, x)),
    relu2: (x) => Math.max(0, x) ** 2,
    leaky_relu: (x) => (x > 0 ? x : 0.01 * x),
    silu: (x) => x * sigmoid(x),
    swish: (x) => x * sigmoid(x),
    sigmoid,
    tanh: Math.tanh,
    mish: (x) => x * Math.tanh(Math.log(1 + Math.exp(x))),
    laplace: (x) => 0.5 * (1 + erf((x - 0.707107) / (0.282095 * Math.SQRT2))),
    linear: (x) => x,
  };

  it("covers exactly the names transformers v4.37.2 accepts", () => {
    expect(Object.keys(ACTIVATIONS).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, f] of Object.entries(expected)) {
    it(name, () => {
      const act = getActivation(name);
      for (let x = -12; x <= 12; x += 0.37) {
        expect(Math.abs(act(x) - f(x)), `${name}(${x})`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(f(x))));
      }
      expect(Number.isFinite(act(400)) && Number.isFinite(act(-400))).toBe(true);
    });
  }

  it("unknown names are refused", () => {
    expect(() => getActivation("gelu2")).toThrow(/unknown activation "gelu2"/);
  });
});
