// timm's eval preprocessing against the real timm (v1.0.28, torchvision 0.14, Pillow 9.4): every fixture image,
// the uint8 crop byte for byte and pixel_values within 1e-6 (center, squash, border and non-square modes).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadImage, loadImageProcessor, TimmImageProcessor } from "../../src/index.js";
import { centerCropOrPad, resolveDataConfig, roundHalfEven } from "../../src/preprocess/timm-transform.js";
import { fixture, readTensors } from "../helpers/helpers.js";

const FIXTURES = [
  "timm-convnext-tiny-custom",
  "timm-convnext-convmlp",
  "timm-convnextv2-grn",
  "timm-convnext-features",
];

describe.each(FIXTURES)("%s", (name) => {
  const recipe = JSON.parse(readFileSync(fixture(name, "fixture.json"), "utf8"));
  const expected = readTensors(fixture(name, "preprocess_expected.safetensors"));
  const images: string[] = recipe.preprocess.images.map((i: { file: string }) => i.file);

  it.each(images)("%s", async (file) => {
    const processor = await loadImageProcessor(fixture(name));
    expect(processor).toBeInstanceOf(TimmImageProcessor);
    const image = await loadImage(fixture("images", file), { exifTranspose: false });
    const prepared = processor.prepare(image, file);
    const crop = expected.get(`uint8/${file}`)!;
    expect([prepared.height, prepared.width, 3]).toEqual(crop.shape);
    expect(Buffer.from(prepared.data).equals(Buffer.from(Uint8Array.from(crop.data)))).toBe(true);
    const pixels = processor.preprocess([image]).pixelValues;
    const e = expected.get(file)!;
    expect(pixels.shape).toEqual([1, ...e.shape]);
    let worst = 0;
    for (let i = 0; i < e.size; i++) worst = Math.max(worst, Math.abs(pixels.data[i] - e.data[i]));
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});

describe("timm transform details", () => {
  it("Python's round: halves to even", () => {
    expect([0.5, 1.5, 2.5, 3.5, 5.5, 6, -2.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 6, 6, -2]);
  });

  it("resolve_data_config defaults and errors", () => {
    const d = resolveDataConfig({});
    expect(d).toMatchObject({ inputSize: [3, 224, 224], interpolation: 3, cropPct: 0.875, cropMode: "center" });
    expect(d.mean).toEqual([0.485, 0.456, 0.406]);
    expect(() => resolveDataConfig({ interpolation: "random" }, "cfg")).toThrow(/^cfg: interpolation "random"/);
    expect(() => resolveDataConfig({ crop_mode: "zoom" }, "cfg")).toThrow(/crop_mode "zoom"/);
    expect(() => resolveDataConfig({ input_size: [224, 224] }, "cfg")).toThrow(/input_size must be/);
  });

  it("center_crop_or_pad pads with the fill (left/top the smaller half), then crops half to even", () => {
    const img = { width: 3, height: 1, data: Uint8Array.from([1, 1, 1, 2, 2, 2, 3, 3, 3]) };
    // 1 x 3 -> 4 x 2: rows padded 1 top / 2 bottom; columns cropped at round(1 / 2) = 0
    const out = centerCropOrPad(img, 4, 2, [9, 8, 7]);
    expect(Array.from(out.data.subarray(0, 6))).toEqual([9, 8, 7, 9, 8, 7]);
    expect(Array.from(out.data.subarray(6, 12))).toEqual([1, 1, 1, 2, 2, 2]);
    expect(Array.from(out.data.subarray(12))).toEqual([9, 8, 7, 9, 8, 7, 9, 8, 7, 9, 8, 7]);
  });
});

// The real photos of preprocess-photos (38: those up to 4 megapixels) under five more configs, made with the real timm (tools/timm_preprocess.py):
// the uint8 crop and pixel_values must hash identically (bit-exact), and what timm refuses is refused.
const MORE = JSON.parse(readFileSync(fixture("timm-preprocess", "index.json"), "utf8")) as {
  configs: Record<
    string,
    {
      pretrained_cfg: Record<string, unknown>;
      images: Array<{ path: string; uint8_sha256?: string; uint8_shape?: number[]; pixel_values_sha256?: string; error?: string }>; // prettier-ignore
    }
  >;
};
const sha = (b: ArrayBufferView) =>
  createHash("sha256")
    .update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
    .digest("hex");

// each photo is decoded once for the five configs
const decoded = new Map<string, ReturnType<typeof loadImage>>();
const decode = (path: string) => {
  if (!decoded.has(path)) decoded.set(path, loadImage(fixture("images", path), { exifTranspose: false }));
  return decoded.get(path)!;
};

describe.each(Object.keys(MORE.configs))("timm transform %s on 38 real photos", (name) => {
  const { pretrained_cfg: cfg, images } = MORE.configs[name];
  const processor = TimmImageProcessor.fromPretrainedCfg(cfg);
  it.each(images.map((i) => [i.path, i] as const))("%s", async (path, e) => {
    const image = await decode(path);
    if (e.error) {
      expect(() => processor.prepare(image)).toThrow(/resizes to/);
      return;
    }
    const prepared = processor.prepare(image, path);
    expect([prepared.height, prepared.width, 3]).toEqual(e.uint8_shape);
    expect(sha(prepared.data)).toBe(e.uint8_sha256);
    expect(sha(processor.stack([prepared]).data)).toBe(e.pixel_values_sha256);
  });
});
