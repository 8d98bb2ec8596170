// Grad-CAM against the fixtures' (PyTorch autograd on transformers v4.37.2): targets, A, G, weights, cam.
import { describe, expect, it } from "vitest";
import { loadPretrained } from "../../src/index.js";
import type { ConvNextForImageClassification } from "../../src/model/classification.js";
import { gradCam } from "../../src/train/gradcam.js";
import { fixture, readTensors } from "../helpers/helpers.js";

function relativeGap(a: Float32Array, e: Float32Array): number {
  let diff = 0;
  let max = 0;
  e.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(a[i] - v));
    max = Math.max(max, Math.abs(v));
  });
  return diff / max;
}

describe.each(["tiny-classifier", "v2-tiny-classifier"])("Grad-CAM vs PyTorch: %s", (name) => {
  it("target, feature, gradient, weights and cam within 1e-5 max|ref|", async () => {
    const ref = readTensors(fixture(name, "grads.safetensors"));
    const model = (await loadPretrained(fixture(name), { onWarning: () => {} })) as ConvNextForImageClassification;
    const cam = gradCam(model, ref.get("pixel_values")!);
    expect(Array.from(cam.target)).toEqual(Array.from(ref.get("gradcam.target")!.data));
    const pairs = [
      ["gradcam.feature", cam.feature],
      ["gradcam.grad_last_hidden", cam.gradient],
      ["gradcam.weights", cam.weights],
      ["gradcam.cam", cam.cam],
    ] as const;
    for (const [key, t] of pairs) {
      const e = ref.get(key)!;
      expect(t.shape, key).toEqual(e.shape);
      expect(relativeGap(t.data, e.data), key).toBeLessThanOrEqual(1e-5);
    }
    // the head is mean-pool -> LayerNorm -> Linear: G is constant over the map and equals the weights
    const [B, C, h, w] = cam.gradient.shape;
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++)
        for (let p = 0; p < h * w; p++)
          expect(cam.gradient.data[(b * C + c) * h * w + p]).toBeCloseTo(cam.weights.data[b * C + c], 7);
  });
});
