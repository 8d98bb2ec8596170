// The image-classification pipeline (src/pipelines): HF v4.37.2's postprocess rules and scores, on
// transformers' own logits (tools/pipeline_scores.py) and end to end on real photos.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import "../../src/node/setup.js"; // paths as sources, as the Node entry registers them
import { parseConvNextConfig } from "../../src/model/config.js";
import { loadImage } from "../../src/node/load-image.js";
import { defaultFunctionToApply, parseFunctionToApply } from "../../src/pipelines/function-to-apply.js";
import { classify, ImageClassifier } from "../../src/pipelines/image-classification.js";
import { memoryFiles } from "../../src/pretrained/model-files.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fixture, readTensors } from "../helpers/helpers.js";

const MODEL = "test/fixtures/tiny-classifier";
const CAT = "test/fixtures/images/photos/coco/000000039769.png";
const CHELSEA = "test/fixtures/images/photos/scikit-image/chelsea.png";
const BAD = "test/fixtures/images/corrupt/pillow/truncated_image.png";

interface Expected {
  cases: Array<{ function_to_apply: string; top_k: number; images: Array<Array<{ label: string; score: number }>> }>;
}

describe("function_to_apply: the pipeline's default", () => {
  const config = (json: Record<string, unknown>) => parseConvNextConfig(json, "test");
  it.each([
    [{ num_labels: 5 }, "softmax"],
    [{ num_labels: 1 }, "sigmoid"],
    [{ num_labels: 5, problem_type: "multi_label_classification" }, "sigmoid"],
    [{ num_labels: 1, problem_type: "single_label_classification" }, "sigmoid"], // num_labels == 1 is tested first
    [{ num_labels: 5, problem_type: "regression" }, "softmax"],
    [{ num_labels: 0, problem_type: "single_label_classification" }, "softmax"],
    [{ num_labels: 0, function_to_apply: "Sigmoid" }, "sigmoid"],
    [{ num_labels: 0 }, "none"],
    [{ num_labels: 3, function_to_apply: "none" }, "softmax"], // the config's own value only when nothing else decides
  ])("%j -> %s", (json, want) => {
    expect(defaultFunctionToApply(config(json))).toBe(want);
  });

  it("takes sigmoid/softmax/none in any case and refuses anything else", () => {
    expect(parseFunctionToApply("SoftMax")).toBe("softmax");
    expect(() => parseFunctionToApply("default")).toThrow(/sigmoid, softmax or none, got "default"/);
  });
});

describe("ImageClassifier: HF pipeline scores", () => {
  const expected = JSON.parse(readFileSync(fixture("pipelines/tiny-classifier-scores.json"), "utf8")) as Expected;
  const pixelValues = readTensors(fixture("tiny-classifier/expected.safetensors")).get("pixel_values")!;

  it.each(expected.cases.map((c) => [c.function_to_apply, c.top_k, c] as const))(
    "function_to_apply %s, top_k %i: same labels, order and scores (1e-5) as the pipeline",
    async (fn, topK, c) => {
      const classifier = await ImageClassifier.fromPretrained(MODEL);
      const rows = classifier.postprocess(classifier.model.forwardNamed(pixelValues), { functionToApply: fn, topK });
      expect(rows).toHaveLength(c.images.length);
      rows.forEach(({ predictions }, b) => {
        expect(predictions.map((p) => p.label)).toEqual(c.images[b].map((p) => p.label)); // top_k clamped to 5
        predictions.forEach((p, j) => expect(Math.abs(p.score - c.images[b][j].score)).toBeLessThan(1e-5));
        predictions.forEach((p) => expect(p.label).toBe(classifier.model.config.id2label[p.index]));
      });
    },
  );

  it("ties keep the lower class index, like Python's stable sort", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const logits = new Tensor(new Float32Array([0.5, 2, 0.5, 2, -1]), [1, 5]);
    const [row] = classifier.postprocess(new Map([["logits", logits]]), { functionToApply: "none", topK: 5 });
    expect(row.predictions.map((p) => p.index)).toEqual([1, 3, 0, 2, 4]);
  });

  it("refuses a bad top_k or function_to_apply before reading any image", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    await expect(classifier.classify([BAD], { topK: 0 })).rejects.toThrow(/topK must be a positive integer/);
    await expect(classifier.classify([BAD], { functionToApply: "max" })).rejects.toThrow(/function_to_apply/);
  });
});

describe("classify on image files", () => {
  it("gives softmax top-k over id2label, computed independently from the model's logits", async () => {
    const results = await classify(MODEL, [CAT, BAD, CHELSEA], { topK: 3, batchSize: 2 });
    expect(results.map((r) => r.file)).toEqual([CAT, BAD, CHELSEA]);
    expect(Object.keys(results[1])).toEqual(["file", "error"]);
    expect(results[1].error).toMatch(new RegExp(`^${BAD}: `));

    const classifier = await ImageClassifier.fromPretrained(MODEL);
    for (const r of [results[0], results[2]]) {
      expect(Object.keys(r)).toEqual(["file", "predictions"]);
      const { pixelValues } = classifier.processor.preprocess(await loadImage(r.file));
      const logits = Array.from(classifier.model.forward(pixelValues).logits.data);
      const z = logits.map((l) => Math.exp(l - Math.max(...logits)));
      const probs = z.map((v) => v / z.reduce((a, b) => a + b, 0));
      const order = probs.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]);
      expect(r.predictions!.map((p) => p.index)).toEqual(order.slice(0, 3).map(([, i]) => i));
      r.predictions!.forEach((p) => {
        expect(p.label).toBe(["cat", "dog", "bird", "fish", "frog"][p.index]);
        expect(p.score).toBeCloseTo(probs[p.index], 6);
      });
    }
  });

  it("does not depend on the batch size, and streams one array per batch", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const one = await classifier.classify([CAT, CHELSEA, CAT], { batchSize: 1 });
    const batches = [];
    for await (const batch of classifier.stream([CAT, CHELSEA, CAT], { batchSize: 2 })) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
    // the classifier's GEMM rounds by batch shape: scores agree to float32 rounding
    batches.flat().forEach((r, i) => {
      expect(r.predictions!.map((p) => p.index)).toEqual(one[i].predictions!.map((p) => p.index));
      r.predictions!.forEach((p, j) => expect(Math.abs(p.score - one[i].predictions![j].score)).toBeLessThan(1e-6));
    });
  });

  it("a processor that does not resize: images of different sizes in one batch, each as if alone", async () => {
    const files = memoryFiles("no-resize", {
      "config.json": new Uint8Array(readFileSync(`${MODEL}/config.json`)),
      "model.safetensors": new Uint8Array(readFileSync(`${MODEL}/model.safetensors`)),
      "preprocessor_config.json": new TextEncoder().encode(JSON.stringify({ do_resize: false })),
    });
    const classifier = await ImageClassifier.fromPretrained(files);
    const images = [
      "test/fixtures/images/photos/pillow/hopper.png",
      "test/fixtures/images/photos/pillow/tga-200x32_rgb.png",
    ];
    const together = await classifier.classify(images, { batchSize: 2, functionToApply: "none" });
    for (const [i, file] of images.entries()) {
      const [alone] = await classifier.classify([file], { batchSize: 1, functionToApply: "none" });
      expect(together[i].predictions!.map((p) => p.index)).toEqual(alone.predictions!.map((p) => p.index));
      together[i].predictions!.forEach((p, j) => expect(p.score).toBeCloseTo(alone.predictions![j].score, 5));
    }
  });

  it("stops before the next batch once its signal is aborted", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const controller = new AbortController();
    const seen = [];
    for await (const batch of classifier.stream([CAT, CHELSEA, CAT, CHELSEA], {
      batchSize: 1,
      signal: controller.signal,
    })) {
      seen.push(...batch);
      controller.abort();
    }
    expect(seen.map((r) => r.file)).toEqual([CAT]);
  });
});
