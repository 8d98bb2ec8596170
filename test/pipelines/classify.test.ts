// classify() and `convnext classify` on the tiny-classifier fixture model with real photos.
import { describe, expect, it, vi } from "vitest";
import { classify, ImageClassifier } from "../../src/classify.js";
import command from "../../src/cli/classify.js";
import { loadImage } from "../../src/node/load-image.js";

const MODEL = "test/fixtures/tiny-classifier";
const CAT = "test/fixtures/images/photos/coco/000000039769.png";
const CHELSEA = "test/fixtures/images/photos/scikit-image/chelsea.png";
const BAD = "test/fixtures/images/corrupt/pillow/truncated_image.png";

describe("classify", () => {
  it("gives softmax top-k over id2label, computed independently from the model's logits", async () => {
    const results = await classify(MODEL, [CAT, BAD, CHELSEA], { topK: 3, batchSize: 2 });
    expect(results.map((r) => r.source)).toEqual([CAT, BAD, CHELSEA]);
    expect(results[1].error).toMatch(new RegExp(`^${BAD}: `));
    expect(results[1].predictions).toBeUndefined();

    const classifier = await ImageClassifier.fromPretrained(MODEL);
    for (const r of [results[0], results[2]]) {
      const { pixelValues } = classifier.processor.preprocess(await loadImage(r.source));
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

  it("does not depend on the batch size", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const one = await classifier.classify([CAT, CHELSEA], { batchSize: 1 });
    const two = await classifier.classify([CAT, CHELSEA], { batchSize: 2 });
    one.forEach((r, i) =>
      r.predictions!.forEach((p, j) => {
        expect(two[i].predictions![j].index).toBe(p.index);
        expect(Math.abs(two[i].predictions![j].score - p.score)).toBeLessThan(1e-6);
      }),
    );
  });

  it("convnext classify --json reports every image and exits 1 when one fails", async () => {
    const out: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((s: string) => void out.push(s));
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const code = await command.run(["--model", MODEL, CAT, BAD, "--json", "--top-k", "2"]);
    log.mockRestore();
    err.mockRestore();
    expect(code).toBe(1);
    const parsed = JSON.parse(out.join("\n")) as Array<{ file: string; predictions?: unknown[]; error?: string }>;
    expect(parsed[0].file).toBe(CAT);
    expect(parsed[0].predictions).toHaveLength(2);
    expect(parsed[1].error).toContain(BAD);
  });
});
