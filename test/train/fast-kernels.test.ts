// The fast training kernels (pure TS and wasm SIMD, 1 and 2 threads) against their reference twins on odd
// shapes (1, 7, 42, 97 channels; non-square maps; batch 3), with a normalized error
// max|fast - ref| / max(1e-30, max|ref|); and whole gradients on the fast kernels against PyTorch.
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node/backend-env.js";
import { Backend } from "../../src/backend/backend.js";
import { loadPretrained } from "../../src/index.js";
import { mulberry32 } from "../../src/ops/drop-path.js";
import { backendTrainingKernels } from "../../src/train/fast-kernels.js";
import { computeGradients } from "../../src/train/gradients.js";
import { referenceKernels, type TrainingKernels } from "../../src/train/kernels.js";
import { AdamW } from "../../src/train/optimizers.js";
import type { ConvNextForImageClassification } from "../../src/model/classification.js";
import { fixture, readTensors } from "../helpers/helpers.js";
import { randomModel } from "../helpers/random-model.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { Parameter } from "../../src/model/module.js";

const backends = [new Backend("js", 1), new Backend("js", 2), new Backend("wasm", 1), new Backend("wasm", 2)];
afterAll(() => backends.forEach((b) => b.dispose()));

const random = mulberry32(5);
const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

function normalizedError(a: Float32Array, e: Float32Array): number {
  let diff = 0;
  let max = 1e-30;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - e[i]));
    max = Math.max(max, Math.abs(e[i]));
  }
  expect(a.every(Number.isFinite)).toBe(true);
  return diff / max;
}

const CHANNELS = [1, 7, 42, 97];

// every kernel on ordinary arrays (staged into the heap) and on the heap views alloc hands out (in place)
const cases = backends.flatMap((b) => [
  [`${b.name}/${b.threads}`, b, false] as const,
  [`${b.name}/${b.threads} in place`, b, true] as const,
]);

describe.each(cases)("training kernels: %s", (_label, backend, inPlace) => {
  const fast = backendTrainingKernels(backend);
  const ref = referenceKernels;
  const buf = (a: Float32Array) => {
    if (!inPlace) return a;
    const view = fast.alloc(a.length);
    view.set(a);
    return view;
  };

  it.each(CHANNELS)("linear forward and backward (dx, dW, db) with %i input features", (K) => {
    for (const [M, N] of [
      [35, 97],
      [3, 1],
      [130, 42],
      [33, 5],
      [600, 9], // more rows than gemmTN's block of 256: partial sums carried across blocks
    ]) {
      const x = rand(M * K);
      const w = rand(N * K, 1 / Math.sqrt(K));
      const b = rand(N, 0.1);
      const dy = rand(M * N);
      const [yr, yf] = [new Float32Array(M * N), buf(new Float32Array(M * N))];
      ref.linear(yr, x, w, b, M, K, N);
      fast.linear(yf, buf(x), w, b, M, K, N);
      expect(normalizedError(yf, yr)).toBeLessThan(1e-6);
      const r = { dx: new Float32Array(M * K), dw: new Float32Array(N * K), db: new Float32Array(N) };
      const f = { dx: buf(new Float32Array(M * K)), dw: new Float32Array(N * K), db: new Float32Array(N) };
      ref.linearBackward(r.dx, r.dw, r.db, dy, x, w, M, K, N);
      fast.linearBackward(f.dx, f.dw, f.db, buf(dy), buf(x), w, M, K, N);
      // float32 sums of up to M = 600 products against float64 ones
      expect(normalizedError(f.dx, r.dx)).toBeLessThan(1e-6);
      expect(normalizedError(f.dw, r.dw)).toBeLessThan(4e-6);
      expect(normalizedError(f.db, r.db)).toBeLessThan(1e-6);
    }
  });

  it.each(CHANNELS)("depthwise conv backward (dx, dW, db), 7x7 and 3x3, %i channels, batch 3", (C) => {
    for (const [H, W, k] of [
      [9, 13, 7],
      [1, 1, 7],
      [20, 5, 7],
      [6, 17, 3],
      [3, 2, 7],
    ]) {
      const N = 3;
      const pad = (k - 1) / 2;
      const x = rand(N * C * H * W);
      const w = rand(C * k * k, 0.3);
      const dy = rand(N * C * H * W);
      const r = { dx: new Float32Array(x.length), dw: new Float32Array(w.length), db: new Float32Array(C) };
      const f = { dx: buf(new Float32Array(x.length)), dw: new Float32Array(w.length), db: new Float32Array(C) };
      ref.depthwiseConv2dBackward(r.dx, r.dw, r.db, dy, x, w, N, C, H, W, k, pad);
      fast.depthwiseConv2dBackward(f.dx, f.dw, f.db, buf(dy), buf(x), w, N, C, H, W, k, pad);
      const [yr, yf] = [new Float32Array(x.length), buf(new Float32Array(x.length))];
      ref.depthwiseConv2d(yr, x, w, f.db, N, C, H, W, k, pad);
      fast.depthwiseConv2d(yf, buf(x), w, f.db, N, C, H, W, k, pad);
      expect(normalizedError(yf, yr)).toBeLessThan(1e-6);
      expect(normalizedError(f.dx, r.dx)).toBeLessThan(1e-6);
      expect(normalizedError(f.dw, r.dw)).toBeLessThan(2e-6);
      expect(normalizedError(f.db, r.db)).toBeLessThan(1e-6);
    }
  });

  it.each(CHANNELS)("channels-last LayerNorm forward and backward with %i channels (incl. a constant row)", (C) => {
    const rows = 3 * 7 * 5;
    const x = rand(rows * C, 3);
    for (let c = 0; c < C; c++) x[5 * C + c] = 2.5; // row 5 is constant: xhat = 0
    const [w, b, dy] = [rand(C), rand(C, 0.1), rand(rows * C)];
    const [yr, yf] = [new Float32Array(x.length), buf(new Float32Array(x.length))];
    ref.layerNorm(yr, x, w, b, rows, C, 1e-6);
    fast.layerNorm(yf, buf(x), w, b, rows, C, 1e-6);
    expect(normalizedError(yf, yr)).toBeLessThan(2e-6);
    const r = { dx: new Float32Array(x.length), dw: new Float32Array(C), db: new Float32Array(C) };
    const f = { dx: buf(new Float32Array(x.length)), dw: new Float32Array(C), db: new Float32Array(C) };
    ref.layerNormBackward(r.dx, r.dw, r.db, dy, x, w, rows, C, 1e-6);
    fast.layerNormBackward(f.dx, f.dw, f.db, buf(dy), buf(x), w, rows, C, 1e-6);
    expect(normalizedError(f.dx, r.dx)).toBeLessThan(1e-5);
    expect(normalizedError(f.dw, r.dw)).toBeLessThan(2e-6);
    expect(normalizedError(f.db, r.db)).toBeLessThan(1e-6);
  });

  it.each(CHANNELS)("layout changes [N, C, HW] <-> [N, HW, C] with %i channels, batch 3", (C) => {
    for (const HW of [1, 7, 49, 117]) {
      const x = rand(3 * C * HW);
      const [r, f] = [new Float32Array(x.length), buf(new Float32Array(x.length))];
      ref.channelsFirstToLast(r, x, 3, C, HW);
      fast.channelsFirstToLast(f, buf(x), 3, C, HW);
      expect(Array.from(f)).toEqual(Array.from(r));
      ref.channelsLastToFirst(r, x, 3, C, HW);
      fast.channelsLastToFirst(f, buf(x), 3, C, HW);
      expect(Array.from(f)).toEqual(Array.from(r));
    }
  });

  it.each(CHANNELS)("the block's output (residual + layer scale, permuted) and its backward, %i channels", (C) => {
    for (const HW of [1, 7, 49, 117]) {
      const [branch, x, gamma] = [rand(3 * HW * C), rand(3 * C * HW), rand(C)];
      for (const g of [gamma, null]) {
        const [r, f] = [new Float32Array(x.length), buf(new Float32Array(x.length))];
        ref.blockOutput(r, branch, g, x, 3, C, HW);
        fast.blockOutput(f, buf(branch), g, buf(x), 3, C, HW);
        expect(Array.from(f)).toEqual(Array.from(r));
      }
      const dy = rand(3 * C * HW);
      const r = { dBranch: new Float32Array(branch.length), dgamma: new Float32Array(C) };
      const f = { dBranch: buf(new Float32Array(branch.length)), dgamma: new Float32Array(C) };
      ref.blockOutputBackward(r.dBranch, r.dgamma, dy, branch, gamma, 3, C, HW);
      fast.blockOutputBackward(f.dBranch, f.dgamma, buf(dy), buf(branch), gamma, 3, C, HW);
      expect(Array.from(f.dBranch)).toEqual(Array.from(r.dBranch));
      expect(normalizedError(f.dgamma, r.dgamma)).toBeLessThan(1e-12);
    }
  });

  it("addInto, odd lengths and a split across threads", () => {
    for (const n of [1, 7, 97, 4097, 10001]) {
      const [a, b] = [rand(n), rand(n)];
      const r = a.slice();
      ref.addInto(r, b, n);
      const f = buf(a.slice());
      fast.addInto(f, buf(b.slice()), n);
      expect(Array.from(f)).toEqual(Array.from(r));
    }
  });

  it("GELU forward and backward, including far tails (±400) and odd lengths", () => {
    for (const n of [1, 7, 97, 1001, 1024]) {
      const x = rand(n, 8);
      x[0] = 400;
      if (n > 1) x[1] = -400;
      const dy = rand(n);
      const [ar, af] = [new Float32Array(n), buf(new Float32Array(n))];
      ref.activation(ar, x, n, "gelu");
      fast.activation(af, buf(x), n, "gelu");
      expect(normalizedError(af, ar)).toBeLessThan(1e-6);
      const [gr, gf] = [new Float32Array(n), buf(new Float32Array(n))];
      ref.activationBackward(gr, dy, x, n, "gelu");
      fast.activationBackward(gf, buf(dy), buf(x), n, "gelu");
      expect(normalizedError(gf, gr)).toBeLessThan(1e-6);
    }
  });

  it("AdamW's update, bit for bit, odd lengths and a split across threads", () => {
    for (const n of [1, 7, 97, 4097, 10001]) {
      const [x, m, g] = [rand(n, 3), rand(n, 0.1), rand(n)];
      const v = rand(n, 0.01).map(Math.abs);
      g[0] = 0;
      if (n > 1) g[1] = 1e-30; // its square underflows float32
      const t = 3; // step 3 of lr 1e-3, weight decay 0.05
      const scalars = [1 - 1e-3 * 0.05, 0.9, 0.999, 1e-3 / (1 - 0.9 ** t), Math.sqrt(1 - 0.999 ** t), 1e-8] as const;
      const r = [x, m, v].map((a) => a.slice());
      ref.adamw(r[0], r[1], r[2], g, n, ...scalars);
      const f = [x, m, v].map((a) => buf(a.slice()));
      fast.adamw(f[0], f[1], f[2], buf(g.slice()), n, ...scalars);
      for (let k = 0; k < 3; k++) expect(Array.from(f[k])).toEqual(Array.from(r[k]));
    }
  });

  it("a resumed AdamW (loadStateDict's plain arrays) moves its moments to where the kernels work, same update", () => {
    const n = 4097;
    const [x, g, m, v] = [rand(n), rand(n), rand(n, 0.1), rand(n, 0.01).map(Math.abs)];
    const state = new Map([
      ["w.exp_avg", m],
      ["w.exp_avg_sq", v],
      ["w.step", Float32Array.of(2)],
    ]);
    const run = (kernels: TrainingKernels, data: Float32Array) => {
      const w = new Parameter([n]);
      w.data = data;
      const optimizer = new AdamW([["w", w]], { lr: 1e-3, weightDecay: 0.05 });
      optimizer.loadStateDict(state);
      optimizer.step(new Map([["w", g]]), kernels);
      return { data, moments: optimizer.stateDict() };
    };
    const r = run(ref, x.slice());
    const f = run(fast, buf(x.slice()));
    expect(Array.from(f.data)).toEqual(Array.from(r.data));
    for (const key of ["w.exp_avg", "w.exp_avg_sq"]) {
      expect(Array.from(f.moments.get(key)!)).toEqual(Array.from(r.moments.get(key)!));
      expect(fast.inPlace(f.moments.get(key)!)).toBe(true);
    }
    expect(Array.from(m)).toEqual(Array.from(state.get("w.exp_avg")!)); // the state given is not written to
  });
});

describe("gradients on the fast kernels vs PyTorch autograd", () => {
  it.each(backends.map((b) => [`${b.name}/${b.threads}`, b] as const))(
    "%s: every grads fixture within 1e-5 max|ref|",
    async (_l, backend) => {
      // prettier-ignore
      const kernels = backendTrainingKernels(backend);
      for (const name of ["tiny-classifier", "v2-tiny-classifier", "backbone-stem-s2-s4"]) {
        const ref = readTensors(fixture(name, "grads.safetensors"));
        const model = await loadPretrained(fixture(name), { onWarning: () => {} });
        const upstream = new Map([...ref].filter(([k]) => k.startsWith("upstream.")).map(([k, t]) => [k.slice(9), t]));
        const labels = ref.has("labels") ? Int32Array.from(ref.get("labels")!.data) : undefined;
        const g = computeGradients(
          model,
          ref.get("pixel_values")!,
          labels ? { labels, kernels } : { upstream, kernels },
        );
        for (const [key, e] of ref) {
          if (!key.startsWith("grad.")) continue;
          const a = key === "grad.pixel_values" ? g.pixelValuesGrad! : g.grads.get(key.slice(5))!;
          expect(normalizedError(a.data, e.data), `${name} ${key}`).toBeLessThanOrEqual(1e-5);
        }
      }
    },
  );
});

describe("gradients on the fast kernels vs the reference kernels, real widths", () => {
  it.each(["convnext", "convnextv2"])("%s with convnext-tiny's first widths (96, 192), batch 2, 64 x 48", (type) => {
    const config = { model_type: type, hidden_sizes: [96, 192], depths: [2, 1], num_stages: 2, num_labels: 10 };
    const model = randomModel(config, "classification", 7);
    const x = new Tensor(rand(2 * 3 * 64 * 48, 2), [2, 3, 64, 48]);
    const labels = Int32Array.of(3, 9);
    const ref = computeGradients(model, x, { labels, kernels: referenceKernels });
    for (const backend of [backends[0], backends[3]]) {
      const fast = computeGradients(model, x, { labels, kernels: backendTrainingKernels(backend) });
      expect(Math.abs(fast.loss! - ref.loss!)).toBeLessThan(1e-5 * ref.loss!);
      for (const [name, g] of ref.grads) expect(normalizedError(fast.grads.get(name)!.data, g.data), name).toBeLessThan(1e-5); // prettier-ignore
      expect(normalizedError(fast.pixelValuesGrad!.data, ref.pixelValuesGrad!.data)).toBeLessThan(1e-5);
    }
  });
});

describe("AdamW on the fast kernels vs torch.optim.AdamW", () => {
  it.each(backends.map((b) => [`${b.name}/${b.threads}`, b] as const))(
    "%s: the same 5 steps as the reference kernels, bit for bit",
    async (_l, backend) => {
      const name = "tiny-classifier";
      const ref = readTensors(fixture(name, "train.safetensors"));
      const [x, labels] = [ref.get("pixel_values")!, Int32Array.from(ref.get("labels")!.data)];
      const run = async (kernels: TrainingKernels | undefined) => {
        const model = (await loadPretrained(fixture(name), { onWarning: () => {} })) as ConvNextForImageClassification;
        const params = model.namedParameters();
        // parameters, gradients (and so the moments) in the kernels' buffers: the fast kernel runs in place
        const own = (a: Float32Array) => {
          const b = kernels ? kernels.alloc(a.length) : new Float32Array(a.length);
          b.set(a);
          return b;
        };
        for (const [, p] of params) p.data = own(p.data);
        const optimizer = new AdamW(params, { lr: 1e-3, weightDecay: 0.05 });
        // the gradients of the reference kernels, so that only the update's arithmetic differs
        for (let s = 0; s < 5; s++) {
          const g = computeGradients(model, x, { labels, training: true, inputGradient: false });
          const grads = new Map([...g.grads].map(([n, t]) => [n, own(t.data)]));
          optimizer.step(grads, kernels);
        }
        return params;
      };
      const expected = await run(undefined);
      const kernels = backendTrainingKernels(backend);
      const actual = await run(kernels);
      actual.forEach(([pname, p], i) => expect(Array.from(p.data), pname).toEqual(Array.from(expected[i][1].data)));
    },
  );
});
