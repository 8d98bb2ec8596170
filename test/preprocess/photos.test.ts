// The real-photo fixture (test/fixtures/preprocess-photos): load_image + ConvNextImageProcessor on 40 real
// files at the convnext-tiny-224 settings and 9 at 384 bilinear, against transformers v4.37.2 + Pillow 9.4.
// PNGs must be bit-identical; JPEG results are counted and reported (the JPEG decoder has its own tests).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSafetensors } from "../../src/io/safetensors.js";
import { ConvNextImageProcessor } from "../../src/index.js";
import type { RgbImage } from "../../src/preprocess/image.js";
import { loadImage } from "../../src/node/load-image.js";

const IMAGES = "test/fixtures/images";

interface Entry {
  path: string;
  format: string;
  pil_mode: string;
  load_image_shape: number[];
  load_image_sha256: string;
  resized_before_crop_hw: number[];
  resized_sha256: string;
  pixel_values_sha256: string;
  pixel_values_stored: boolean;
}

const sha = (v: ArrayBufferView) =>
  createHash("sha256")
    .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    .digest("hex");

// Decoding the 6028x3391 photo and friends once for both configs keeps the test fast.
const loaded = new Map<string, Promise<RgbImage>>();
const load = (path: string) => {
  if (!loaded.has(path)) loaded.set(path, loadImage(join(IMAGES, path)));
  return loaded.get(path)!;
};

for (const config of ["config-224-bicubic", "config-384-bilinear"]) {
  const dir = join("test/fixtures/preprocess-photos", config);
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
    images: Entry[];
    batch?: { paths: string[]; sha256: string; shape: number[] };
  };
  const expected = parseSafetensors(new Uint8Array(readFileSync(join(dir, "expected.safetensors"))), config);

  describe(`preprocess-photos/${config}`, async () => {
    const processor = await ConvNextImageProcessor.fromPretrained(dir);

    it("every photo, PNG and JPEG: load_image, resized array and pixel_values bit-identical to HF", async () => {
      const images = index.images;
      expect(images.filter((e) => e.format === "JPEG").length).toBeGreaterThanOrEqual(config.includes("224") ? 16 : 4);
      expect(images.length).toBeGreaterThanOrEqual(config.includes("224") ? 40 : 9);
      const wrong: string[] = [];
      for (const e of images) {
        const img = await load(e.path);
        if (sha(img.data) !== e.load_image_sha256) wrong.push(`${e.path}: load_image`);
        const resized = processor.resizeAndCrop(img);
        if (sha(resized.data) !== e.resized_sha256) wrong.push(`${e.path}: resized`);
        const pv = processor.preprocess(img).pixelValues;
        // pixel_values is a pure function of the resized bytes (the fixture's lut), so equal hashes mean bit-identical.
        if (sha(pv.data) !== e.pixel_values_sha256) wrong.push(`${e.path}: pixel_values`);
      }
      expect(wrong).toEqual([]);
    });

    it("stored pixel_values within 1e-6", async () => {
      for (const e of index.images.filter((e) => e.pixel_values_stored)) {
        const want = expected.tensors.get(`pixel_values/${e.path}`)!;
        const got = processor.preprocess(await load(e.path)).pixelValues;
        expect(got.shape).toEqual(want.shape);
        const w = new Float32Array(want.bytes.slice().buffer);
        let max = 0;
        for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i] - got.data[i]));
        expect(max, e.path).toBeLessThanOrEqual(1e-6);
      }
    });

    if (index.batch) {
      const batch = index.batch;
      it("the batch of three differently sized images equals HF's single call", async () => {
        const images = await Promise.all(batch.paths.map(load));
        const pv = processor.preprocess(images).pixelValues;
        expect(pv.shape).toEqual(batch.shape);
        for (let b = 0; b < batch.paths.length; b++) {
          const e = index.images.find((x) => x.path === batch.paths[b]);
          const single = processor.preprocess(images[b]).pixelValues.data;
          expect(pv.batchEntry(b).data).toEqual(single);
          if (e) expect(sha(single)).toBe(e.pixel_values_sha256);
        }
        expect(sha(pv.data)).toBe(batch.sha256);
      });
    }
  });
}
