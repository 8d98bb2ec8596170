// inspectImage, the classification step by step: the same predictions as classify() for the same image, the
// 224x224 input the processor makes, and feature-map views computed independently here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeToRgb, featureMapView, ImageClassifier, inspectImage, memoryFiles, Tensor } from "../../src/core.js";
import { fixture } from "../helpers/helpers.js";

const MODEL = fixture("../../examples/model");
const files = memoryFiles("example", {
  "config.json": readFileSync(`${MODEL}/config.json`),
  "model.safetensors": readFileSync(`${MODEL}/model.safetensors`),
  "preprocessor_config.json": readFileSync(`${MODEL}/preprocessor_config.json`),
});
const photo = () => new Uint8Array(readFileSync(fixture("images/photos/darknet/dog.jpg")));

describe("inspectImage", () => {
  it("gives classify()'s predictions, the processor's input and every hidden state", async () => {
    const classifier = await ImageClassifier.fromPretrained(files, { onWarning: () => {} });
    const [expected] = await classifier.classify([photo()], { topK: 3 });
    const inspection = await inspectImage(classifier, photo(), { topK: 3, channels: 2 });
    expect(inspection.predictions).toEqual(expected.predictions);
    expect(inspection.decoded).toEqual({ width: 768, height: 576 });
    const input = classifier.processor.resizeAndCrop(decodeToRgb(photo()));
    expect([inspection.input.width, inspection.input.height]).toEqual([224, 224]);
    expect(Buffer.from(inspection.input.data).equals(Buffer.from(input.data))).toBe(true);
    expect(inspection.featureMaps.map((m) => [m.index, m.channels, m.height, m.width, m.shown.length])).toEqual([
      [0, 8, 56, 56, 2],
      [1, 8, 56, 56, 2],
      [2, 16, 28, 28, 2],
      [3, 32, 14, 14, 2],
      [4, 64, 7, 7, 2],
    ]);
    for (const step of ["read", "decode", "preprocess", "forward", "postprocess"] as const) {
      expect(inspection.timings[step]).toBeGreaterThanOrEqual(0);
    }
  });

  it("a bad image throws with its name", async () => {
    const classifier = await ImageClassifier.fromPretrained(files, { onWarning: () => {} });
    await expect(inspectImage(classifier, new Uint8Array([1, 2, 3]))).rejects.toThrow(/^image 0: /);
  });
});

describe("featureMapView", () => {
  it("shows the channels that vary most, each scaled from its min (0) to its max (255)", () => {
    // 3 channels of 2x2: a constant one, one with a small range, one with a large range
    const data = new Float32Array([5, 5, 5, 5, 0, 1, 2, 3, -10, 10, 0, 20]);
    const view = featureMapView(new Tensor(data, [1, 3, 2, 2]), 2, 2);
    expect(view).toMatchObject({ index: 2, channels: 3, height: 2, width: 2 });
    expect(view.shown.map((c) => c.channel)).toEqual([2, 1]);
    expect(view.shown[0]).toMatchObject({ min: -10, max: 20 });
    expect([...view.shown[0].pixels]).toEqual([0, 170, 85, 255]);
    expect([...view.shown[1].pixels]).toEqual([0, 85, 170, 255]);
    const constant = featureMapView(new Tensor(data, [1, 3, 2, 2]), 0, 3).shown[2];
    expect([...constant.pixels]).toEqual([0, 0, 0, 0]); // no range: all dark, not NaN
  });
});
