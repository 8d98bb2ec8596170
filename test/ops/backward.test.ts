// Every backward reference kernel against finite differences: for a random projection L = sum(r * f(x)),
// the kernel's gradients dotted with a random direction v must equal (L(x + h v) - L(x - h v)) / 2h, computed
// in float64 from the forward kernels (central differences; the nonlinear ops have an O(h^2) error). Also the
// derivative of every ACT2FN activation in float64, and the three losses' gradients.
import { describe, expect, it } from "vitest";
import { ACTIVATION_GRADIENTS, ACTIVATIONS } from "../../src/ops/activations.js";
import { conv2d, conv2dBackward } from "../../src/ops/conv2d.js";
import { depthwiseConv2d, depthwiseConv2dBackward } from "../../src/ops/depthwise-conv.js";
import { dropPath, dropPathBackward, mulberry32 } from "../../src/ops/drop-path.js";
import { globalResponseNorm, globalResponseNormBackward } from "../../src/ops/grn.js";
import { layerNormChannelsFirst, layerNormChannelsFirstBackward, layerNormChannelsLast, layerNormChannelsLastBackward } from "../../src/ops/layer-norm.js"; // prettier-ignore
import { layerScale, layerScaleBackward } from "../../src/ops/layer-scale.js";
import { linear, linearBackward } from "../../src/ops/linear.js";
import { globalAveragePool, globalAveragePoolBackward } from "../../src/ops/pooling.js";
import { classificationLoss, classificationLossGradient } from "../../src/model/loss.js";
import { convOutputSize } from "../../src/ops/conv-geometry.js";
import { Tensor } from "../../src/tensor/tensor.js";

const random = mulberry32(99);
const rand = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * random());
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * Checks d/dt L(inputs + t v) at t = 0 for each named input: `forward(inputs)` returns the output, `grads` the
 * kernel's gradients of L = sum(r * output) (r given), per input.
 */
function checkGradients(
  inputs: Record<string, Float32Array>,
  forward: (x: Record<string, Float32Array>) => Float32Array,
  grads: (r: Float32Array) => Record<string, Float32Array>,
  h = 1e-2,
  tolerance = 1e-3,
) {
  const out = forward(inputs);
  const r = rand(out.length);
  const g = grads(r);
  for (const name of Object.keys(g)) {
    const v = rand(inputs[name].length);
    const shifted = (t: number) => {
      const x = { ...inputs, [name]: Float32Array.from(inputs[name], (a, i) => a + t * v[i]) };
      return dot(r, forward(x));
    };
    const numeric = (shifted(h) - shifted(-h)) / (2 * h);
    const analytic = dot(g[name], v);
    expect(Math.abs(numeric - analytic), `${name}: numeric ${numeric} vs analytic ${analytic}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(numeric))); // prettier-ignore
  }
}

describe("backward kernels vs finite differences", () => {
  it("linear: dx, dweight, dbias", () => {
    const [M, K, N] = [7, 5, 3];
    const inputs = { x: rand(M * K), w: rand(N * K), b: rand(N) };
    checkGradients(
      inputs,
      ({ x, w, b }) => {
        const out = new Float32Array(M * N);
        linear(out, x, w, b, M, K, N);
        return out;
      },
      (r) => {
        const [dx, dw, db] = [new Float32Array(M * K), new Float32Array(N * K), new Float32Array(N)];
        linearBackward(dx, dw, db, r, inputs.x, inputs.w, M, K, N, new Float64Array(N * K));
        return { x: dx, w: dw, b: db };
      },
    );
  });

  // a conv with stride 2, padding 1, kernel 3 (overlapping, padded windows) and a patchify one
  it.each([
    [3, 2, 1, 9, 8],
    [2, 2, 0, 6, 5],
    [4, 4, 0, 9, 13],
  ])("conv2d k %i stride %i pad %i on %ix%i: dx, dweight, dbias", (k, stride, pad, H, W) => {
    const [N, Cin, Cout] = [2, 3, 4];
    const OH = convOutputSize(H, k, stride, pad);
    const OW = convOutputSize(W, k, stride, pad);
    const inputs = { x: rand(N * Cin * H * W), w: rand(Cout * Cin * k * k), b: rand(Cout) };
    checkGradients(
      inputs,
      ({ x, w, b }) => {
        const out = new Float32Array(N * Cout * OH * OW);
        conv2d(out, x, w, b, N, Cin, H, W, Cout, OH, OW, k, stride, pad);
        return out;
      },
      (r) => {
        const [dx, dw, db] = [
          new Float32Array(inputs.x.length),
          new Float32Array(inputs.w.length),
          new Float32Array(Cout),
        ];
        conv2dBackward(dx, dw, db, r, inputs.x, inputs.w, N, Cin, H, W, Cout, OH, OW, k, stride, pad);
        return { x: dx, w: dw, b: db };
      },
    );
  });

  it.each([
    [7, 3, 9, 6],
    [3, 1, 4, 11],
    [5, 0, 8, 8], // not 'same': a smaller output
  ])("depthwise conv k %i pad %i on %ix%i: dx, dweight, dbias", (k, pad, H, W) => {
    const [N, C] = [3, 5];
    const OH = convOutputSize(H, k, 1, pad);
    const OW = convOutputSize(W, k, 1, pad);
    const inputs = { x: rand(N * C * H * W), w: rand(C * k * k), b: rand(C) };
    checkGradients(
      inputs,
      ({ x, w, b }) => {
        const out = new Float32Array(N * C * OH * OW);
        depthwiseConv2d(out, x, w, b, N, C, H, W, OH, OW, k, pad);
        return out;
      },
      (r) => {
        const [dx, dw, db] = [
          new Float32Array(inputs.x.length),
          new Float32Array(inputs.w.length),
          new Float32Array(C),
        ];
        depthwiseConv2dBackward(dx, dw, db, r, inputs.x, inputs.w, N, C, H, W, OH, OW, k, pad);
        return { x: dx, w: dw, b: db };
      },
    );
  });

  it("LayerNorm, channels-last and channels-first (eps 1e-6): dx, dweight, dbias", () => {
    const [N, C, HW] = [2, 7, 5];
    const inputs = { x: rand(N * C * HW, -2, 2), w: rand(C, 0.5, 1.5), b: rand(C) };
    for (const layout of ["last", "first"] as const) {
      checkGradients(
        inputs,
        ({ x, w, b }) => {
          const out = new Float32Array(x.length);
          if (layout === "last") layerNormChannelsLast(out, x, w, b, N * HW, C, 1e-6);
          else layerNormChannelsFirst(out, x, w, b, N, C, HW, 1e-6);
          return out;
        },
        (r) => {
          const [dx, dw, db] = [new Float32Array(inputs.x.length), new Float32Array(C), new Float32Array(C)];
          const acc = new Float64Array(2 * C);
          if (layout === "last") layerNormChannelsLastBackward(dx, dw, db, r, inputs.x, inputs.w, N * HW, C, 1e-6, acc);
          else layerNormChannelsFirstBackward(dx, dw, db, r, inputs.x, inputs.w, N, C, HW, 1e-6, acc);
          return { x: dx, w: dw, b: db };
        },
      );
    }
  });

  it("GRN: dx, dgamma, dbeta", () => {
    const [N, HW, C] = [2, 6, 5];
    const inputs = { x: rand(N * HW * C, -2, 2), g: rand(C, -0.5, 0.5), b: rand(C, -0.1, 0.1) };
    checkGradients(
      inputs,
      ({ x, g, b }) => {
        const out = x.slice();
        globalResponseNorm(out, g, b, N, HW, C, new Float64Array(C));
        return out;
      },
      (r) => {
        const [dx, dg, db] = [new Float32Array(inputs.x.length), new Float32Array(C), new Float32Array(C)];
        globalResponseNormBackward(dx, dg, db, r, inputs.x, inputs.g, N, HW, C, new Float64Array(3 * C));
        return { x: dx, g: dg, b: db };
      },
    );
  });

  it("layer scale, global average pooling, drop path", () => {
    const [rows, C] = [6, 4];
    const inputs = { x: rand(rows * C), g: rand(C) };
    checkGradients(
      inputs,
      ({ x, g }) => {
        const out = x.slice();
        layerScale(out, g, rows, C);
        return out;
      },
      (r) => {
        const [dx, dg] = [new Float32Array(rows * C), new Float32Array(C)];
        layerScaleBackward(dx, dg, r, inputs.x, inputs.g, rows, C);
        return { x: dx, g: dg };
      },
    );
    const pool = { x: rand(2 * 3 * 10) };
    checkGradients(
      pool,
      ({ x }) => {
        const out = new Float32Array(6);
        globalAveragePool(out, x, 2, 3, 10);
        return out;
      },
      (r) => {
        const dx = new Float32Array(60);
        globalAveragePoolBackward(dx, r, 2, 3, 10);
        return { x: dx };
      },
    );
    const mask = new Float32Array(4);
    const drop = { x: rand(4 * 5) };
    const draws = [0.9, 0.1, 0.5, 0.2]; // keep 0.7: masks 1, 0, 1, 0
    checkGradients(
      drop,
      ({ x }) => {
        const out = x.slice();
        let i = 0;
        dropPath(out, mask, 4, 5, 0.3, () => draws[i++ % 4]);
        return out;
      },
      (r) => {
        const dx = new Float32Array(20);
        dropPathBackward(dx, r, mask, 4, 5, 0.3);
        return { x: dx };
      },
    );
    expect(Array.from(mask)).toEqual([1, 0, 1, 0]);
  });
});

describe("activation derivatives vs central differences in float64", () => {
  const xs = [-6, -3.2, -1.5, -0.7, -0.05, 0.03, 0.4, 1.1, 2.5, 5.8, 7.3];
  it.each(Object.keys(ACTIVATIONS))("%s", (name) => {
    const f = ACTIVATIONS[name];
    const df = ACTIVATION_GRADIENTS[name];
    for (const x of xs) {
      const h = 1e-6;
      const numeric = (f(x + h) - f(x - h)) / (2 * h);
      expect(Math.abs(df(x) - numeric), `${name}'(${x})`).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
    }
  });
  it("kinks follow PyTorch's backward: relu'(0) = 0, relu6'(6) = 0, leaky_relu'(0) = 0.01", () => {
    expect(ACTIVATION_GRADIENTS.relu(0)).toBe(0);
    expect(ACTIVATION_GRADIENTS.relu6(6)).toBe(0);
    expect(ACTIVATION_GRADIENTS.relu6(0)).toBe(0);
    expect(ACTIVATION_GRADIENTS.leaky_relu(0)).toBe(0.01);
    expect(ACTIVATION_GRADIENTS.gelu_10(-400)).toBe(0);
  });
});

describe("loss gradients vs central differences", () => {
  const logits = Float32Array.of(0.3, -1.2, 2.0, 0.5, 0.1, -0.4);
  const cases = [
    ["single_label_classification", Int32Array.of(2, -100), 3],
    ["single_label_classification", Int32Array.of(0, 1), 3],
    ["multi_label_classification", new Tensor(Float32Array.of(1, 0, 1, 0, 0, 1), [2, 3]), 3],
    ["regression", new Tensor(Float32Array.of(0.5, -1, 2, 0, 1, 1), [2, 3]), 3],
  ] as const;
  it.each(cases)("%s", (type, labels, L) => {
    const g = classificationLossGradient(new Tensor(logits, [2, L]), labels, type, L);
    for (let i = 0; i < logits.length; i++) {
      const shifted = (t: number) => {
        const x = Float64Array.from(logits);
        x[i] += t;
        return classificationLoss(new Tensor(Float32Array.from(x), [2, L]), labels, type, L);
      };
      const numeric = (shifted(1e-3) - shifted(-1e-3)) / 2e-3;
      expect(Math.abs(g[i] - numeric), `${type} logit ${i}`).toBeLessThan(1e-4);
    }
  });
});
