// Five SGD and AdamW steps from the fixtures' weights on one batch, against PyTorch's trajectories
// (train.safetensors: torch.optim.SGD(lr 0.05, momentum 0.9) and AdamW(lr 1e-3, wd 0.05), one group).
// Tolerances from GRADIENTS.md: losses 1e-5 relative; SGD parameters 1e-5 absolute; AdamW 1e-5 absolute for
// >= 99.99 % of the elements and steps * lr = 5e-3 for all (one element per model has a first gradient of
// ~5e-10, where float32 rounding decides the sign of Adam's normalised update).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPretrained } from "../../src/index.js";
import type { ConvNextForImageClassification } from "../../src/model/classification.js";
import { Parameter } from "../../src/model/module.js";
import { AdamW, scaleLearningRate, SGD, trainerParamGroups } from "../../src/train/optimizers.js";
import { learningRateFactor } from "../../src/train/schedule.js";
import { trainStep } from "../../src/train/train-step.js";
import { fixture, readTensors } from "../helpers/helpers.js";

describe.each(["tiny-classifier", "v2-tiny-classifier"])("optimizers vs torch.optim: %s", (name) => {
  const ref = readTensors(fixture(name, "train.safetensors"));
  const meta = JSON.parse(readFileSync(fixture(name, "grads_meta.json"), "utf8"));
  const pixelValues = ref.get("pixel_values")!;
  const labels = Int32Array.from(ref.get("labels")!.data);

  it.each(["sgd", "adamw"] as const)("5 %s steps: losses and final parameters", async (opt) => {
    const model = (await loadPretrained(fixture(name), { onWarning: () => {} })) as ConvNextForImageClassification;
    const params = model.namedParameters();
    for (const [, p] of params) p.data = p.data.slice(); // the loaded views are read-only file bytes
    const optimizer =
      opt === "sgd" ? new SGD(params, { lr: 0.05, momentum: 0.9 }) : new AdamW(params, { lr: 1e-3, weightDecay: 0.05 });
    const losses = [];
    for (let s = 0; s < 5; s++) losses.push(trainStep(model, pixelValues, labels, optimizer));
    const finalLoss = model.forward(pixelValues, { labels }).loss!.data[0];
    const expected = [...ref.get(`${opt}.loss`)!.data, ref.get(`${opt}.final_loss`)!.data[0]];
    // 1e-5 relative, plus the reference's own float32 error on its losses (measured against float64: up to
    // 2.9e-6 absolute on v2-tiny-classifier's AdamW run, 1.6e-5 of its loss 0.18)
    const own = meta.train[opt].max_abs_loss_diff_f32_vs_pure64 as number;
    [...losses, finalLoss].forEach((l, i) => expect(Math.abs(l - expected[i])).toBeLessThanOrEqual(1e-5 * Math.abs(expected[i]) + own)); // prettier-ignore
    let total = 0;
    let over = 0;
    let worst = 0;
    for (const [pname, p] of params) {
      const e = ref.get(`${opt}.final.${pname}`)!;
      expect(e, pname).toBeDefined();
      for (let i = 0; i < e.size; i++) {
        const d = Math.abs(p.data[i] - e.data[i]);
        worst = Math.max(worst, d);
        if (d > 1e-5) over++;
        total++;
      }
    }
    console.log(`${name} ${opt}: losses ${losses.map((l) => l.toPrecision(6)).join(", ")}; worst |p - p_torch| ${worst.toExponential(2)}, ${over} of ${total} over 1e-5`); // prettier-ignore
    if (opt === "sgd") expect(worst).toBeLessThanOrEqual(1e-5);
    else {
      expect(over / total).toBeLessThanOrEqual(1e-4);
      expect(worst).toBeLessThanOrEqual(5e-3);
    }
  });
});

describe("optimizer options (hand-computed)", () => {
  const param = () => {
    const p = new Parameter([2]);
    p.data = Float32Array.of(1, -2);
    return p;
  };
  const g = new Map([["w", Float32Array.of(0.5, 0.25)]]);

  it("SGD: weight decay, dampening, nesterov", () => {
    const p = param();
    const sgd = new SGD([["w", p]], { lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true });
    sgd.step(g); // d = g + 0.1 p = [0.6, 0.05]; buf = d; d = d + 0.9 buf = [1.14, 0.095]
    expect(p.data[0]).toBeCloseTo(1 - 0.114, 6);
    expect(p.data[1]).toBeCloseTo(-2 - 0.0095, 6);
    const q = param();
    const damp = new SGD([["w", q]], { lr: 1, momentum: 0.5, dampening: 0.5 });
    damp.step(g); // buf = g
    damp.step(g); // buf = 0.5 g + 0.5 g = g
    expect(q.data[0]).toBeCloseTo(1 - 1, 6);
    expect(() => new SGD([["w", q]], { lr: 1, nesterov: true })).toThrow(/Nesterov/);
  });

  it("AdamW: the first step moves every parameter by lr (sign of the gradient) after decay", () => {
    const p = param();
    new AdamW([["w", p]], { lr: 0.01, weightDecay: 0.5 }).step(g);
    expect(p.data[0]).toBeCloseTo(1 * (1 - 0.005) - 0.01, 6);
    expect(p.data[1]).toBeCloseTo(-2 * (1 - 0.005) - 0.01, 6);
  });

  it("HF Trainer groups: no decay on biases and the pooler's nn.LayerNorm weight", () => {
    const names = ["convnext.layernorm.weight", "convnext.layernorm.bias", "convnext.encoder.stages.0.layers.0.layernorm.weight", "classifier.weight"]; // prettier-ignore
    const [decay, noDecay] = trainerParamGroups(
      names.map((n) => [n, param()]),
      0.05,
    );
    expect(decay.params.map(([n]) => n)).toEqual([names[2], names[3]]);
    expect(noDecay.params.map(([n]) => n)).toEqual([names[0], names[1]]);
    expect(noDecay.weightDecay).toBe(0);
  });

  it("schedules: HF's linear warmup then cosine / linear decay, and LambdaLR scaling", () => {
    const s = { name: "cosine", warmupSteps: 10, totalSteps: 110 } as const;
    expect(learningRateFactor(s, 0)).toBe(0);
    expect(learningRateFactor(s, 5)).toBe(0.5);
    expect(learningRateFactor(s, 10)).toBe(1);
    expect(learningRateFactor(s, 60)).toBeCloseTo(0.5, 12);
    expect(learningRateFactor(s, 110)).toBeCloseTo(0, 12);
    expect(learningRateFactor({ ...s, name: "linear" }, 85)).toBe(0.25);
    const opt = new SGD([{ params: [["w", param()]], lr: 0.2 }], { lr: 1 });
    scaleLearningRate(opt, 0.5);
    expect(opt.groups[0].lr).toBe(0.1);
  });
});
