// Every in-memory input the core pipelines take gives the same result as the file it came from; strings need
// the loader a platform registers (src/node/setup.ts here), except data: URLs.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import "../../src/node/setup.js";
import { nodeImageLoader } from "../../src/node/image-loader.js";
import { loadImage } from "../../src/node/load-image.js";
import { ImageClassifier } from "../../src/pipelines/image-classification.js";
import { setImageLoader, type ImageSource } from "../../src/pipelines/image-source.js";

const MODEL = "test/fixtures/tiny-classifier";
// EXIF orientation 6: the rotation must be applied to bytes, Blobs and data URLs alike
const ROTATED = "test/fixtures/preprocess/images/exif_rot6_64x40.jpg";

afterEach(() => setImageLoader(nodeImageLoader));

describe("pipeline inputs", () => {
  it("bytes, ArrayBuffer, Blob, File, data URL, RgbImage, ImageData and ndarray give the path's result", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const [fromPath] = await classifier.classify([ROTATED], { topK: 5, batchSize: 1 });
    const bytes = new Uint8Array(readFileSync(ROTATED));
    const rgb = await loadImage(ROTATED);
    const rgba = new Uint8ClampedArray(rgb.width * rgb.height * 4);
    for (let p = 0; p < rgb.width * rgb.height; p++) {
      rgba.set(rgb.data.subarray(3 * p, 3 * p + 3), 4 * p);
      rgba[4 * p + 3] = 17; // alpha is dropped, not composited
    }
    const sources: ImageSource[] = [
      bytes,
      bytes.slice().buffer,
      new Blob([bytes], { type: "image/jpeg" }),
      new File([bytes], "holiday.jpg"),
      `data:image/jpeg;base64,${Buffer.from(bytes).toString("base64")}`,
      rgb,
      { data: rgba, width: rgb.width, height: rgb.height }, // ImageData
      { data: rgb.data, shape: [rgb.height, rgb.width, 3] }, // ndarray
    ];
    const results = await classifier.classify(sources, { topK: 5, batchSize: 1 });
    expect(results.map((r) => r.file)).toEqual([
      "image 0",
      "image 1",
      "image 2",
      "holiday.jpg",
      "image 4 (data URL)",
      "image 5",
      "image 6",
      "image 7",
    ]);
    for (const r of results) expect(r.predictions).toEqual(fromPath.predictions); // same batch shape: bit for bit
  });

  it("reports a bad in-memory input in its own result, naming it", async () => {
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const results = await classifier.classify([
      new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]),
      { data: new Uint8Array(5), width: 2, height: 2 },
      "data:image/png;base64,@@@",
    ]);
    expect(results[0].error).toMatch(/^image 0: /);
    expect(results[1].error).toMatch(/^image 1: /);
    expect(results[2].error).toBe("image 2 (data URL): the data URL is not valid base64");
  });

  it("without a registered loader (a browser), a path is refused with what to pass instead", async () => {
    setImageLoader(null);
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const [r] = await classifier.classify([ROTATED]);
    expect(r.error).toMatch(new RegExp(`^${ROTATED}: cannot read a path here`));
  });
});
