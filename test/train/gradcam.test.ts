// Grad-CAM against the fixtures' (PyTorch autograd on transformers v4.37.2): targets, A, G, weights, cam.
import { describe, expect, it } from "vitest";
import { loadPretrained } from "../../src/index.js";
import type { ConvNextForImageClassification } from "../../src/model/classification.js";
import { gradCam, gradCamOverlay } from "../../src/train/gradcam.js";
import { fixture, readTensors, relativeToMax } from "../helpers/helpers.js";

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
      expect(relativeToMax(t.data, e.data), key).toBeLessThanOrEqual(1e-5);
    }
    // the head is mean-pool -> LayerNorm -> Linear: G is constant over the map and equals the weights
    const [B, C, h, w] = cam.gradient.shape;
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++)
        for (let p = 0; p < h * w; p++)
          expect(cam.gradient.data[(b * C + c) * h * w + p]).toBeCloseTo(cam.weights.data[b * C + c], 7);
  });
});

describe("Grad-CAM overlay (hand-computed)", () => {
  it("a constant map is jet's dark red (its maximum) blended half and half; a zero map jet's dark blue", () => {
    const image = { width: 3, height: 2, data: new Uint8Array(18).fill(100) };
    const hot = gradCamOverlay(Float32Array.of(2, 2, 2, 2), 2, 2, image);
    expect(Array.from(hot.data.subarray(0, 3))).toEqual([Math.round(0.5 * 128 + 50), 50, 50]); // jet(1) = (128, 0, 0)
    const cold = gradCamOverlay(Float32Array.of(0), 1, 1, image);
    expect(Array.from(cold.data.subarray(0, 3))).toEqual([50, 50, Math.round(0.5 * 128 + 50)]); // jet(0) = (0, 0, 128)
  });

  it("upsamples bilinearly with half-pixel centres: a 1 x 2 map [0, 1] on 4 pixels ramps 0, 0.25, 0.75, 1", () => {
    const image = { width: 4, height: 1, data: new Uint8Array(12) };
    const out = gradCamOverlay(Float32Array.of(0, 1), 1, 2, image, 1);
    // jet's green channel: 1.5 - |4t - 2|, clamped: t = 0, 0.25, 0.75, 1 -> 0, 0.5, 0.5, 0
    expect([1, 4, 7, 10].map((i) => out.data[i])).toEqual([0, 128, 128, 0]);
  });
});
