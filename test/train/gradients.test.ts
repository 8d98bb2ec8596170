// Every gradient against PyTorch autograd (transformers v4.37.2, torch 1.13; shared fixtures copied to
// test/fixtures/*/grads.safetensors, see GRADIENTS.md): each tensor within 1e-5 * max|ref| element-wise.
import { describe, expect, it } from "vitest";
import { loadPretrained } from "../../src/index.js";
import { computeGradients } from "../../src/train/gradients.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { fixture, readTensors, relativeToMax } from "../helpers/helpers.js";
import { ConvNextForImageClassification } from "../../src/model/classification.js";

/** Checks every `prefix + "grad." + name` of the file against ours; returns the worst gap. */
function expectGrads(ref: Map<string, Tensor>, prefix: string, grads: Map<string, Tensor>, input: Tensor) {
  let worst = { key: "", gap: 0 };
  let count = 0;
  for (const [key, e] of ref) {
    if (!key.startsWith(`${prefix}grad.`)) continue;
    const name = key.slice(`${prefix}grad.`.length);
    const a = name === "pixel_values" ? input : grads.get(name);
    expect(a, `${key} missing`).toBeDefined();
    expect(a!.shape, key).toEqual(e.shape);
    const gap = relativeToMax(a!.data, e.data);
    expect(gap, `${key}: max|diff| / max|ref|`).toBeLessThanOrEqual(1e-5);
    if (gap > worst.gap) worst = { key, gap };
    count++;
  }
  // every parameter of the model is in the file, and nothing else is
  expect(count).toBe(grads.size + 1);
  return worst;
}

describe.each(["tiny-classifier", "v2-tiny-classifier"])("gradients vs PyTorch autograd: %s", (name) => {
  const ref = readTensors(fixture(name, "grads.safetensors"));
  const pixelValues = ref.get("pixel_values")!;

  it("loss.backward(): d loss / d every parameter and d pixel_values", async () => {
    const model = (await loadPretrained(fixture(name), { onWarning: () => {} })) as ConvNextForImageClassification;
    const labels = Int32Array.from(ref.get("labels")!.data);
    const g = computeGradients(model, pixelValues, { labels });
    expect(Math.abs(g.loss! - ref.get("loss")!.data[0])).toBeLessThan(1e-5 * Math.abs(ref.get("loss")!.data[0]));
    const worst = expectGrads(ref, "", g.grads, g.pixelValuesGrad!);
    console.log(`${name}: loss grads, worst ${worst.key} at ${worst.gap.toExponential(2)} x max|ref|`);
  });

  it("a frozen backbone: backward stops after the head, with the same head gradients", async () => {
    const model = (await loadPretrained(fixture(name), { onWarning: () => {} })) as ConvNextForImageClassification;
    const labels = Int32Array.from(ref.get("labels")!.data);
    const head = (n: string) => n.startsWith("classifier.");
    const g = computeGradients(model, pixelValues, { labels, trainable: head, inputGradient: false });
    for (const [key, t] of g.grads) {
      if (head(key)) expect(relativeToMax(t.data, ref.get(`grad.${key}`)!.data), key).toBeLessThanOrEqual(1e-5);
      else
        expect(
          t.data.every((v) => v === 0),
          key,
        ).toBe(true); // not computed
    }
  });

  it("base model with upstream gradients on last_hidden_state and pooler_output", async () => {
    const model = await loadPretrained(fixture(name), { task: "base", onWarning: () => {} });
    const upstream = new Map([
      ["last_hidden_state", ref.get("base.upstream.last_hidden_state")!],
      ["pooler_output", ref.get("base.upstream.pooler_output")!],
    ]);
    const g = computeGradients(model, pixelValues, { upstream });
    const objective = ref.get("base.objective")!.data[0];
    expect(Math.abs(g.objective! - objective)).toBeLessThan(1e-5 * Math.abs(objective));
    const worst = expectGrads(ref, "base.", g.grads, g.pixelValuesGrad!);
    console.log(`${name}: base grads, worst ${worst.key} at ${worst.gap.toExponential(2)} x max|ref|`);
  });
});

describe("gradients vs PyTorch autograd: backbone-stem-s2-s4 (upstream on three normed feature maps)", () => {
  it("d objective / d every parameter and d pixel_values", async () => {
    const name = "backbone-stem-s2-s4";
    const ref = readTensors(fixture(name, "grads.safetensors"));
    const model = await loadPretrained(fixture(name), { onWarning: () => {} });
    const upstream = new Map([...ref].filter(([k]) => k.startsWith("upstream.")).map(([k, t]) => [k.slice(9), t]));
    expect(upstream.size).toBe(3);
    const g = computeGradients(model, ref.get("pixel_values")!, { upstream });
    const objective = ref.get("objective")!.data[0];
    expect(Math.abs(g.objective! - objective)).toBeLessThan(1e-5 * Math.abs(objective));
    const worst = expectGrads(ref, "", g.grads, g.pixelValuesGrad!);
    console.log(`${name}: worst ${worst.key} at ${worst.gap.toExponential(2)} x max|ref|`);
  });
});
