// ConvNextImageProcessor against the real transformers v4.37.2 outputs in test/fixtures/preprocess, plus
// config parsing edge cases.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSafetensors, type RawTensor } from "../../src/io/safetensors.js";
import { toRgb } from "../../src/preprocess/convert.js";
import { decodeImage } from "../../src/preprocess/decode.js";
import { ConvNextImageProcessor } from "../../src/index.js";
import type { DecodedImage, ImageMode } from "../../src/preprocess/image.js";
import { loadImage } from "../../src/node/load-image.js";
import { Resample } from "../../src/preprocess/resize.js";

const DIR = "test/fixtures/preprocess";
const expected = parseSafetensors(
  new Uint8Array(readFileSync(join(DIR, "expected.safetensors"))),
  "expected.safetensors",
);
const meta = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8")) as {
  images: Record<
    string,
    { modes: Record<string, { handed_to_processor: { pil_mode: string; array_dtype: string }; error?: string }> }
  >;
};
const tinyCorrect = JSON.parse(readFileSync("test/fixtures/resize/tiny-3x5-correct.json", "utf8")) as {
  resized: number[];
};

function tensor(key: string): RawTensor {
  const t = expected.tensors.get(key);
  if (!t) throw new Error(`missing ${key}`);
  return t;
}
const f32 = (t: RawTensor) => new Float32Array(t.bytes.slice().buffer);

/** The fixture's `decoded` array (what HF got) as a DecodedImage in its PIL mode. */
function decodedFixture(file: string, mode: string): DecodedImage {
  const t = tensor(`decoded/${file}/${mode}`);
  const pilMode = meta.images[file].modes[mode].handed_to_processor.pil_mode as ImageMode;
  const [height, width] = t.shape;
  const data = t.dtype === "I32" ? new Int32Array(t.bytes.slice().buffer) : t.bytes.slice();
  const image: DecodedImage = { width, height, mode: pilMode, data };
  // The fixture holds the palette indices only; the palette comes from the file.
  if (pilMode === "P") image.palette = decodeImage(readFileSync(join(DIR, "images", file))).palette;
  return image;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("test/fixtures/preprocess (transformers v4.37.2, Pillow 9.4)", async () => {
  const processor = await ConvNextImageProcessor.fromPretrained(DIR);

  it("loads the fixture's processor config", () => {
    expect(processor.options).toMatchObject({ shortestEdge: 32, cropPct: 0.875, resample: Resample.BICUBIC });
  });

  for (const [file, info] of Object.entries(meta.images)) {
    for (const [mode, m] of Object.entries(info.modes)) {
      const misread = file === "tiny_3x5.png"; // HF takes this 3-pixel-tall HxWx3 array for CxHxW
      it(`${file} / ${mode}${m.error ? " (HF refuses: converted to RGB first, as the pipeline does)" : ""}${misread ? " (HF misreads: checked against Pillow)" : ""}`, () => {
        // Start from exactly the array HF received, so the decoder is out of the picture here.
        const rgb = toRgb(decodedFixture(file, mode));
        const resized = processor.resizeAndCrop(rgb);
        const { pixelValues } = processor.preprocess(rgb);
        expect(pixelValues.shape).toEqual([1, 3, 32, 32]);
        if (misread) {
          expect([...resized.data]).toEqual(tinyCorrect.resized);
          return;
        }
        // Where HF refused the raw mode, the pipeline's answer is the convert("RGB") one.
        const ref = m.error ? "rgb" : mode;
        expect(Buffer.compare(resized.data, tensor(`resized/${file}/${ref}`).bytes)).toBe(0);
        expect(maxAbsDiff(pixelValues.data, f32(tensor(`pixel_values/${file}/${ref}`)))).toBeLessThanOrEqual(1e-6);
      });
    }
  }

  it("our decoder gives HF's decoded arrays for every PNG (raw and load_image)", async () => {
    for (const file of Object.keys(meta.images).filter((f) => f.endsWith(".png"))) {
      const path = join(DIR, "images", file);
      const img = decodeImage(new Uint8Array(readFileSync(path)), { source: path });
      const raw = tensor(`decoded/${file}/raw`);
      // The fixture stores mode "1" as 0/1; Pillow's bytes (and ours) are 0/255.
      const ours = img.mode === "1" ? img.data.map((v) => (v ? 1 : 0)) : img.data;
      expect(Buffer.compare(new Uint8Array(ours.buffer, ours.byteOffset, ours.byteLength), raw.bytes), file).toBe(0);
      const loaded = await loadImage(path);
      expect(Buffer.compare(loaded.data, tensor(`decoded/${file}/load_image`).bytes), file).toBe(0);
    }
  });

  it("JPEGs go through the whole pipeline (decoder differences reported here, tested in the JPEG decoder's tests)", async () => {
    for (const file of Object.keys(meta.images).filter((f) => f.endsWith(".jpg"))) {
      const loaded = await loadImage(join(DIR, "images", file));
      const want = tensor(`decoded/${file}/load_image`);
      expect([loaded.height, loaded.width, 3]).toEqual(want.shape);
      const pv = processor.preprocess(loaded).pixelValues;
      const diff = maxAbsDiff(pv.data, f32(tensor(`pixel_values/${file}/load_image`)));
      console.log(`${file}: load_image -> pixel_values max |diff| vs HF = ${diff.toFixed(4)}`);
    }
  });

  it("batches images of different sizes, channels_first and channels_last", () => {
    const a = toRgb(decodedFixture("big_160x120.png", "rgb"));
    const b = toRgb(decodedFixture("grey_50x70.png", "rgb"));
    const batch = processor.preprocess([a, b]).pixelValues;
    expect(batch.shape).toEqual([2, 3, 32, 32]);
    expect(batch.batchEntry(1).data).toEqual(processor.preprocess(b).pixelValues.data);
    const last = processor.preprocess([a, b], { dataFormat: "channels_last" }).pixelValues;
    expect(last.shape).toEqual([2, 32, 32, 3]);
    // [1, c, y, x] channels-first equals [1, y, x, c] channels-last.
    expect(last.data[1 * 3072 + (5 * 32 + 7) * 3 + 2]).toBe(batch.data[1 * 3072 + 2 * 1024 + 5 * 32 + 7]);
  });

  it("accepts raw RGBA buffers, ndarray-style objects and ImageData like RGB images", () => {
    const rgb = toRgb(decodedFixture("rgba_64x48.png", "rgb"));
    const rgba = decodedFixture("rgba_64x48.png", "raw");
    const want = processor.preprocess(rgb).pixelValues.data;
    expect(
      processor.preprocess({ data: rgba.data as Uint8Array, width: 64, height: 48, channels: 4 }).pixelValues.data,
    ).toEqual(want);
    expect(processor.preprocess({ data: rgb.data, shape: [48, 64, 3] }).pixelValues.data).toEqual(want);
    const imageData = { data: new Uint8ClampedArray(rgba.data), width: 64, height: 48 };
    expect(processor.preprocess(imageData).pixelValues.data).toEqual(want);
    const grey = decodedFixture("grey_50x70.png", "raw");
    expect(processor.preprocess({ data: grey.data as Uint8Array, shape: [70, 50] }).pixelValues.data).toEqual(
      processor.preprocess(toRgb(grey)).pixelValues.data,
    );
  });

  it("rejects bad inputs with clear messages", () => {
    expect(() => processor.preprocess([])).toThrow(/no images/);
    expect(() => processor.preprocess({ data: new Uint8Array(5), width: 2, height: 2, channels: 3 })).toThrow(
      /5 values.*needs 12/,
    );
    expect(() => processor.preprocess({ data: [0.5, 0.2, 0.1], shape: [1, 1, 3] })).toThrow(/uint8/);
    const noResize = new ConvNextImageProcessor({ doResize: false });
    const img = (w: number) => ({ width: w, height: 2, data: new Uint8Array(w * 6) });
    expect(() => noResize.preprocess([img(2), img(3)])).toThrow(/image 1 is 3x2.*image 0 is 2x2/);
  });
});

describe("processor config parsing", () => {
  it("uses the v4.37.2 class defaults for missing fields", () => {
    const p = ConvNextImageProcessor.fromConfig({});
    expect(p.options).toEqual({
      doResize: true,
      shortestEdge: 384,
      cropPct: 0.875,
      resample: Resample.BILINEAR,
      doRescale: true,
      rescaleFactor: 1 / 255,
      doNormalize: true,
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.5, 0.5, 0.5],
    });
  });

  it("reads old feature-extractor files: integer size, crop_pct null, extra keys", () => {
    const p = ConvNextImageProcessor.fromConfig({
      crop_pct: null,
      do_normalize: true,
      do_resize: true,
      feature_extractor_type: "ConvNextFeatureExtractor",
      image_mean: [0.485, 0.456, 0.406],
      image_std: [0.229, 0.224, 0.225],
      resample: 3,
      size: 224,
      some_future_key: { x: 1 },
    });
    expect(p.options).toMatchObject({ shortestEdge: 224, cropPct: 0.875, resample: 3, doRescale: true });
    expect(p.resizedSize(480, 640)).toEqual([256, 341]);
    expect(p.resizedSize(640, 480)).toEqual([341, 256]);
  });

  it("applies HF's integer rounding", () => {
    // int(32 / 0.875) = 36; int(40 / 0.95) = 42; long side int(r * long / short) truncates.
    expect(ConvNextImageProcessor.fromConfig({ size: { shortest_edge: 32 } }).resizedSize(3, 5)).toEqual([36, 60]);
    expect(
      ConvNextImageProcessor.fromConfig({ size: { shortest_edge: 40 }, crop_pct: 0.95 }).resizedSize(7, 10),
    ).toEqual([42, 60]);
    expect(ConvNextImageProcessor.fromConfig({ size: { shortest_edge: 224 } }).resizedSize(870, 4160)).toEqual([
      256, 1224,
    ]);
    expect(ConvNextImageProcessor.fromConfig({ size: 384 }).resizedSize(870, 4160)).toEqual([384, 384]);
  });

  it("matches the photo fixture's level table bit for bit", () => {
    const p = ConvNextImageProcessor.fromConfig(
      JSON.parse(readFileSync("test/fixtures/preprocess-photos/config-224-bicubic/preprocessor_config.json", "utf8")),
    );
    const file = parseSafetensors(
      new Uint8Array(readFileSync("test/fixtures/preprocess-photos/config-224-bicubic/expected.safetensors")),
    );
    const lut = file.tensors.get("lut/pixel_values")!;
    expect(Buffer.compare(new Uint8Array(p.levelTable().buffer), lut.bytes)).toBe(0);
  });

  it("rejects what HF rejects, naming the file and key", () => {
    expect(() => ConvNextImageProcessor.fromConfig({ size: { height: 224, width: 224 } }, "x.json")).toThrow(
      /x\.json: "size"/,
    );
    expect(() => ConvNextImageProcessor.fromConfig({ resample: 7 }, "x.json")).toThrow(/x\.json: "resample"/);
    expect(() => ConvNextImageProcessor.fromConfig({ image_mean: [0.5, 0.5] }, "x.json")).toThrow(
      /x\.json: "image_mean"/,
    );
    expect(() => ConvNextImageProcessor.fromConfig({ do_resize: "yes" }, "x.json")).toThrow(/x\.json: "do_resize"/);
    expect(() => ConvNextImageProcessor.fromConfig([], "x.json")).toThrow(/x\.json: expected a JSON object/);
    expect(() => ConvNextImageProcessor.fromConfig({ size: 0 })).toThrow(/shortest_edge/);
  });

  it("broadcasts a scalar mean/std like HF normalize", () => {
    expect(ConvNextImageProcessor.fromConfig({ image_mean: 0.5, image_std: 0.25 }).options).toMatchObject({
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.25, 0.25, 0.25],
    });
  });

  it("fromPretrained names the missing directory or file", async () => {
    await expect(ConvNextImageProcessor.fromPretrained("/nonexistent-dir")).rejects.toThrow(
      /"\/nonexistent-dir" is neither a model directory nor a hub id/,
    );
    await expect(ConvNextImageProcessor.fromPretrained("test/fixtures/tiny-classifier/..")).rejects.toThrow(
      /fixtures\/preprocessor_config\.json: not found/,
    );
  });
});
