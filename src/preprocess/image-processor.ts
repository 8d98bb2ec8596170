// ConvNextImageProcessor of transformers v4.37.2: resize (shortest edge, Pillow), centre crop below 384,
// rescale, normalize, stack (docs/REFERENCE.md §2). Pure: src/pretrained reads preprocessor_config.json.

import { Tensor } from "../tensor/tensor.js";
import { DEFAULT_MAX_PIXELS, type RgbImage } from "./image.js";
import { toRgbImage, type ImageInput } from "./image-input.js";
import { isResample, resize, Resample } from "./resize.js";

/** IMAGENET_STANDARD_MEAN / _STD: the v4.37.2 class defaults (not what facebook/convnext-* files hold). */
const IMAGENET_STANDARD_MEAN = [0.5, 0.5, 0.5];
const IMAGENET_STANDARD_STD = [0.5, 0.5, 0.5];

export interface ConvNextImageProcessorOptions {
  doResize: boolean;
  /** HF `size = {"shortest_edge": n}`. */
  shortestEdge: number;
  /** Below 384 the short side is resized to int(shortestEdge / cropPct), then centre-cropped. */
  cropPct: number;
  resample: Resample;
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  imageMean: number[];
  imageStd: number[];
}

/**
 * Caps on a processor's sizes: the largest shortest_edge (and the short side before the crop) accepted, and the
 * most pixels one resized image may have (Pillow's decompression-bomb limit): a 1x60000 image resized to a short
 * side of 224 would be 224x13,440,000, so such an image is refused rather than gigabytes allocated.
 */
export const PROCESSOR_LIMITS = Object.freeze({ edge: 4096, resizedPixels: DEFAULT_MAX_PIXELS });

export const CONVNEXT_PROCESSOR_DEFAULTS: Readonly<ConvNextImageProcessorOptions> = Object.freeze({
  doResize: true,
  shortestEdge: 384,
  cropPct: 224 / 256,
  resample: Resample.BILINEAR,
  doRescale: true,
  rescaleFactor: 1 / 255,
  doNormalize: true,
  imageMean: IMAGENET_STANDARD_MEAN,
  imageStd: IMAGENET_STANDARD_STD,
});

export type DataFormat = "channels_first" | "channels_last";

export interface PreprocessOptions {
  /** channels_first gives [N, 3, H, W] (what the model takes), channels_last [N, H, W, 3]. */
  dataFormat?: DataFormat;
}

export class ConvNextImageProcessor {
  readonly kind = "convnext";
  readonly options: Readonly<ConvNextImageProcessorOptions>;
  /** How images for it are loaded: HF's pipelines (load_image) apply EXIF orientation. */
  readonly exifTranspose = true;

  constructor(options: Partial<ConvNextImageProcessorOptions> = {}, source = "ConvNextImageProcessor") {
    const o = { ...CONVNEXT_PROCESSOR_DEFAULTS, ...options };
    validate(o, source);
    this.options = Object.freeze({ ...o, imageMean: [...o.imageMean], imageStd: [...o.imageStd] });
    const bad = this.levelTable().findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new Error(
        `${source}: rescale_factor ${o.rescaleFactor}, image_mean and image_std turn level ${bad % 256} of channel ` +
          `${Math.floor(bad / 256)} into ${this.levelTable()[bad]} in float32`,
      );
    }
  }

  /**
   * From the JSON of a preprocessor_config.json, as `ConvNextImageProcessor.from_dict` reads it: missing or null
   * fields take the class defaults, `"size": 224` means shortest edge 224, unknown keys are ignored.
   */
  static fromConfig<T extends ConvNextImageProcessor>(
    this: new (options: Partial<ConvNextImageProcessorOptions>, source?: string) => T,
    json: unknown,
    source = "preprocessor_config.json",
  ): T {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new Error(`${source}: expected a JSON object`);
    }
    const c = json as Record<string, unknown>;
    const d = CONVNEXT_PROCESSOR_DEFAULTS;
    const bool = (key: string, fallback: boolean) => {
      const v = c[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v !== "boolean") throw new Error(`${source}: "${key}" must be true or false, got ${short(v)}`);
      return v;
    };
    const num = (key: string, fallback: number) => {
      const v = c[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v !== "number" || !Number.isFinite(v))
        throw new Error(`${source}: "${key}" must be a number, got ${short(v)}`);
      return v;
    };
    const triple = (key: string, fallback: number[]) => {
      const v = c[key];
      if (v === undefined || v === null) return fallback;
      // HF normalize broadcasts a scalar mean/std to every channel.
      if (typeof v === "number") return [v, v, v];
      if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
        throw new Error(`${source}: "${key}" must be 3 numbers (one per RGB channel), got ${short(v)}`);
      }
      return v as number[];
    };
    const resample = c.resample ?? d.resample;
    if (!isResample(resample)) {
      throw new Error(
        `${source}: "resample" must be a Pillow filter 0..5 (0 NEAREST, 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING), got ${short(resample)}`,
      );
    }
    return new this(
      {
        doResize: bool("do_resize", d.doResize),
        shortestEdge: shortestEdgeOf(c.size, source),
        cropPct: num("crop_pct", d.cropPct),
        resample,
        doRescale: bool("do_rescale", d.doRescale),
        rescaleFactor: num("rescale_factor", d.rescaleFactor),
        doNormalize: bool("do_normalize", d.doNormalize),
        imageMean: triple("image_mean", d.imageMean),
        imageStd: triple("image_std", d.imageStd),
      },
      source,
    );
  }

  /** The (height, width) an image is resized to, before any crop. */
  resizedSize(height: number, width: number): [number, number] {
    const { shortestEdge: s, cropPct } = this.options;
    if (s >= 384) return [s, s];
    const r = Math.trunc(s / cropPct);
    // get_resize_output_image_size(default_to_square=False): short side -> r, long side int(r * long / short).
    if (width <= height) return [Math.trunc((r * height) / width), r];
    return [r, Math.trunc((r * width) / height)];
  }

  /** Resize (+ centre crop below 384) of one RGB image: the uint8 array HF rescales next. */
  resizeAndCrop(image: RgbImage, what = "image"): RgbImage {
    const o = this.options;
    if (!o.doResize) return image;
    const [h, w] = this.resizedSize(image.height, image.width);
    if (h * w > PROCESSOR_LIMITS.resizedPixels) {
      throw new Error(
        `${what}: a ${image.width}x${image.height} image resizes to ${w}x${h} = ${h * w} pixels, above the limit of ` +
          `${PROCESSOR_LIMITS.resizedPixels} (an extreme aspect ratio)`,
      );
    }
    const resized = { width: w, height: h, data: resize(image.data, image.width, image.height, 3, w, h, o.resample) };
    return o.shortestEdge >= 384 ? resized : centerCrop(resized, o.shortestEdge, o.shortestEdge);
  }

  /** Value per (channel, uint8 level) after rescale + normalize, computed with HF's dtypes. */
  levelTable(): Float32Array {
    const o = this.options;
    const lut = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) {
      const mean = Math.fround(o.imageMean[c]);
      const std = Math.fround(o.imageStd[c]);
      for (let v = 0; v < 256; v++) {
        // rescale: uint8 * factor in float64, then astype(float32); normalize: float32 (x - mean) / std.
        let x = o.doRescale ? Math.fround(v * o.rescaleFactor) : v;
        if (o.doNormalize) x = Math.fround(Math.fround(x - mean) / std);
        lut[c * 256 + v] = x;
      }
    }
    return lut;
  }

  /** pixel_values for a batch; every image is brought to RGB first (see image-input.ts). */
  preprocess(images: ImageInput | ImageInput[], options: PreprocessOptions = {}): { pixelValues: Tensor } {
    const list = Array.isArray(images) ? images : [images];
    if (list.length === 0) throw new Error("ConvNextImageProcessor.preprocess: no images");
    return {
      pixelValues: this.stack(
        list.map((img, i) => this.prepare(img, `image ${i}`)),
        options,
      ),
    };
  }

  /** One image to RGB, resized and cropped: the uint8 array that becomes its pixel_values. */
  prepare(image: ImageInput, what = "image"): RgbImage {
    return this.resizeAndCrop(toRgbImage(image, what), what);
  }

  /** Rescale + normalize + stack already prepared images (all the same size) into pixel_values. */
  stack(resized: RgbImage[], options: PreprocessOptions = {}): Tensor {
    if (resized.length === 0) throw new Error("ConvNextImageProcessor.preprocess: no images");
    const dataFormat = options.dataFormat ?? "channels_first";
    if (dataFormat !== "channels_first" && dataFormat !== "channels_last") {
      throw new Error(
        `ConvNextImageProcessor.preprocess: dataFormat must be channels_first or channels_last, got ${String(dataFormat)}`,
      );
    }
    const { width, height } = resized[0];
    resized.forEach((r, i) => {
      if (r.width !== width || r.height !== height) {
        throw new Error(
          `ConvNextImageProcessor.preprocess: image ${i} is ${r.width}x${r.height} after resizing but image 0 is ${width}x${height}; ` +
            `a batch needs one size (enable do_resize or pass images of equal size)`,
        );
      }
    });
    const lut = this.levelTable();
    const plane = width * height;
    const out = new Float32Array(resized.length * 3 * plane);
    resized.forEach((r, b) => {
      const base = b * 3 * plane;
      for (let p = 0; p < plane; p++) {
        for (let c = 0; c < 3; c++) {
          const v = lut[c * 256 + r.data[3 * p + c]];
          if (dataFormat === "channels_first") out[base + c * plane + p] = v;
          else out[base + 3 * p + c] = v;
        }
      }
    });
    const shape =
      dataFormat === "channels_first" ? [resized.length, 3, height, width] : [resized.length, height, width, 3];
    return new Tensor(out, shape);
  }
}

function shortestEdgeOf(size: unknown, source: string): number {
  if (size === undefined || size === null) return CONVNEXT_PROCESSOR_DEFAULTS.shortestEdge;
  // Old feature-extractor files store an integer: get_size_dict(default_to_square=False) -> shortest_edge.
  if (typeof size === "number") return size;
  if (typeof size === "object" && !Array.isArray(size) && "shortest_edge" in size) {
    return (size as { shortest_edge: number }).shortest_edge;
  }
  throw new Error(`${source}: "size" must be an integer or {"shortest_edge": n} for ConvNeXT, got ${short(size)}`);
}

/** A value from the file for a message, cut short. */
function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function validate(o: ConvNextImageProcessorOptions, what: string): void {
  const { edge } = PROCESSOR_LIMITS;
  if (!Number.isInteger(o.shortestEdge) || o.shortestEdge < 1 || o.shortestEdge > edge) {
    throw new Error(`${what}: size.shortest_edge must be an integer in 1..${edge}, got ${short(o.shortestEdge)}`);
  }
  if (typeof o.cropPct !== "number" || !(o.cropPct > 0) || !Number.isFinite(o.cropPct))
    throw new Error(`${what}: crop_pct must be a number > 0, got ${short(o.cropPct)}`);
  if (o.shortestEdge < 384) {
    // The short side before the centre crop: int(shortest_edge / crop_pct), at least 1 and at most the cap.
    const r = Math.trunc(o.shortestEdge / o.cropPct);
    if (r < 1 || r > edge)
      throw new Error(
        `${what}: int(shortest_edge ${o.shortestEdge} / crop_pct ${o.cropPct}) = ${r} is not in 1..${edge}`,
      );
  }
  if (!isResample(o.resample)) throw new Error(`${what}: unknown resample ${short(o.resample)}`);
  if (typeof o.rescaleFactor !== "number" || !Number.isFinite(o.rescaleFactor))
    throw new Error(`${what}: rescale_factor must be a finite number, got ${short(o.rescaleFactor)}`);
  for (const [name, v] of [
    ["image_mean", o.imageMean],
    ["image_std", o.imageStd],
  ] as const) {
    if (!Array.isArray(v) || v.length !== 3 || !v.every(Number.isFinite))
      throw new Error(`${what}: ${name} must be 3 finite numbers`);
  }
  // Checked in float32, the dtype normalize runs in: a std like 1e-46 is 0 there and gives NaN or Infinity.
  if (o.doNormalize && o.imageStd.some((s) => Math.fround(s) === 0))
    throw new Error(`${what}: image_std ${short(o.imageStd)} contains 0 (in float32)`);
}

/**
 * HF image_transforms.center_crop: top = (h - ch) // 2, left = (w - cw) // 2; an image smaller than the crop is
 * zero-padded, centred, first (only reachable with crop_pct > 1).
 */
export function centerCrop(image: RgbImage, cropH: number, cropW: number): RgbImage {
  const { width: w, height: h, data } = image;
  const newH = Math.max(cropH, h);
  const newW = Math.max(cropW, w);
  const topPad = Math.floor((newH - h) / 2);
  const leftPad = Math.floor((newW - w) / 2);
  const top = Math.floor((h - cropH) / 2) + topPad;
  const left = Math.floor((w - cropW) / 2) + leftPad;
  const y0 = Math.max(0, top);
  const x0 = Math.max(0, left);
  const outH = Math.min(newH, top + cropH) - y0;
  const outW = Math.min(newW, left + cropW) - x0;
  const out = new Uint8Array(outH * outW * 3);
  for (let y = 0; y < outH; y++) {
    const sy = y + y0 - topPad;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < outW; x++) {
      const sx = x + x0 - leftPad;
      if (sx < 0 || sx >= w) continue;
      for (let c = 0; c < 3; c++) out[(y * outW + x) * 3 + c] = data[(sy * w + sx) * 3 + c];
    }
  }
  return { width: outW, height: outH, data: out };
}
