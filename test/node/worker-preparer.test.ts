// Decoding on a worker thread (src/node/worker-preparer.ts): the same results as decoding in-thread, and the
// next batch is decoded while the current one's forward pass runs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import "../../src/node/setup.js";
import { overlap } from "../../src/cli/pipeline-run.js";
import { decodeWorker } from "../../src/node/worker-preparer.js";
import { ImageClassifier } from "../../src/pipelines/image-classification.js";
import type { ImagePreparer } from "../../src/pipelines/preparer.js";
import { inThreadPreparer } from "../../src/pipelines/preparer.js";

const MODEL = "test/fixtures/tiny-classifier";
const PHOTOS = [
  "test/fixtures/images/photos/coco/000000039769.png",
  "test/fixtures/images/photos/scikit-image/chelsea.png",
  "test/fixtures/images/photos/matplotlib/grace_hopper.jpg",
  "test/fixtures/images/corrupt/pillow/truncated_image.png",
  "test/fixtures/images/photos/scikit-image/coffee.png",
  "test/fixtures/images/photos/pillow/hopper.png",
];

describe("decodeWorker", () => {
  it("gives the in-thread results (files, bytes, Blobs, pixels, errors)", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const sources = [...PHOTOS, new Uint8Array(readFileSync(PHOTOS[0])), new Blob([readFileSync(PHOTOS[1])])];
    const worker = decodeWorker();
    try {
      const a = await classifier.classify(sources, { batchSize: 3, preparer: worker });
      const b = await classifier.classify(sources, { batchSize: 3, preparer: inThreadPreparer });
      expect(a).toEqual(b);
      expect(a[3].error).toMatch(/truncated/);
      expect(worker.stats.images).toBe(sources.length);
    } finally {
      await worker.dispose();
    }
  });

  it("the pipeline hands batch k+1 to the preparer before batch k's forward pass", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const events: string[] = [];
    const logging: ImagePreparer = {
      prepare: (items, processor, options) => {
        events.push(`prepare ${items.map((i) => i.file).join(",")}`);
        return inThreadPreparer.prepare(items, processor, options);
      },
    };
    await classifier.classify(PHOTOS.slice(0, 3), {
      batchSize: 1,
      preparer: logging,
      onForward: () => events.push("forward"),
    });
    const [a, b, c] = PHOTOS;
    expect(events).toEqual([`prepare ${a}`, `prepare ${b}`, "forward", `prepare ${c}`, "forward", "forward"]);
  });

  it("decodes while the forward pass blocks the calling thread", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    // a forward pass of 50 ms: the worker, a thread of its own, decodes the next batch meanwhile
    const forwardNamed = classifier.model.forwardNamed.bind(classifier.model);
    classifier.model.forwardNamed = (...args) => {
      const end = performance.now() + 50;
      while (performance.now() < end);
      return forwardNamed(...args);
    };
    const worker = decodeWorker();
    const forward: Array<[number, number]> = [];
    try {
      await classifier.classify([...PHOTOS, ...PHOTOS], {
        batchSize: 2,
        preparer: worker,
        onForward: (_n, a, b) => forward.push([a, b]),
      });
      expect(overlap(worker.stats.busy, forward)).toBeGreaterThan(0);
    } finally {
      await worker.dispose();
    }
  });
});
