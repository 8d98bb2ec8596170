// Embeddings (src/pipelines/feature-extraction.ts): pooler_output and the mean of last_hidden_state against
// transformers' own outputs of the fixture model, L2 normalisation, and the pipeline on image files.
import { describe, expect, it } from "vitest";
import "../../src/node/setup.js";
import { loadImage } from "../../src/node/load-image.js";
import { extractFeatures, FeatureExtractor } from "../../src/pipelines/feature-extraction.js";
import { ImageClassifier } from "../../src/pipelines/image-classification.js";
import { fixture, readTensors, toleranceRatio } from "../helpers/helpers.js";

const MODEL = "test/fixtures/tiny-classifier";
const CAT = "test/fixtures/images/photos/coco/000000039769.png";
const CHELSEA = "test/fixtures/images/photos/scikit-image/chelsea.png";
const BAD = "test/fixtures/images/corrupt/pillow/truncated_image.png";

describe("FeatureExtractor", () => {
  const hf = readTensors(fixture("tiny-classifier/expected.safetensors"));
  const pixelValues = hf.get("pixel_values")!;

  it("pooler_output (default) is transformers' pooler_output", async () => {
    const extractor = await FeatureExtractor.fromPretrained(MODEL);
    expect(extractor.dimension).toBe(64);
    const rows = extractor.postprocess(extractor.model.forwardNamed(pixelValues), {});
    const want = hf.get("pooler_output")!;
    expect(toleranceRatio(Float32Array.from(rows.flatMap((r) => [...r.embedding])), want.data)).toBeLessThan(1);
  });

  it("pooling 'mean' is last_hidden_state.mean([-2, -1]); normalize divides by the L2 norm", async () => {
    const extractor = await FeatureExtractor.fromPretrained(MODEL);
    const outputs = extractor.model.forwardNamed(pixelValues);
    const last = hf.get("last_hidden_state")!; // [2, 64, 2, 2]
    const [n, c, h, w] = last.shape;
    const mean = Array.from({ length: n * c }, (_, i) => {
      let s = 0;
      for (let p = 0; p < h * w; p++) s += last.data[i * h * w + p];
      return s / (h * w);
    });
    const rows = extractor.postprocess(outputs, { pooling: "mean" });
    expect(toleranceRatio(Float32Array.from(rows.flatMap((r) => [...r.embedding])), mean)).toBeLessThan(1);

    const unit = extractor.postprocess(outputs, { pooling: "mean", normalize: true });
    unit.forEach((r, b) => {
      const norm = Math.hypot(...mean.slice(b * c, (b + 1) * c));
      expect(Math.hypot(...r.embedding)).toBeCloseTo(1, 6);
      r.embedding.forEach((v, i) => expect(v).toBeCloseTo(mean[b * c + i] / norm, 6));
    });
  });

  it("on files: one embedding per image, the classifier's own pooled features, errors per image", async () => {
    const results = await extractFeatures(MODEL, [CAT, BAD, CHELSEA], { batchSize: 2 });
    expect(results.map((r) => Object.keys(r))).toEqual([
      ["file", "embedding"],
      ["file", "error"],
      ["file", "embedding"],
    ]);
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    for (const r of [results[0], results[2]]) {
      const { pixelValues } = classifier.processor.preprocess(await loadImage(r.file));
      const { poolerOutput } = classifier.model.forward(pixelValues);
      expect(toleranceRatio(r.embedding!, poolerOutput.data)).toBeLessThan(1);
    }
  });

  it("refuses an unknown pooling before reading images", async () => {
    const extractor = await FeatureExtractor.fromPretrained(MODEL);
    await expect(extractor.extract([CAT], { pooling: "max" as "mean" })).rejects.toThrow(/pooling must be/);
  });
});
