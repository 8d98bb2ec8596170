// timm's eval preprocessing (v1.0.28 data/config.py resolve_data_config + transforms_factory.py
// transforms_imagenet_eval, torchvision 0.14 on PIL images) on the Pillow-exact resize: what
// `create_transform(**resolve_data_config(model=model))` does to an image. Where it differs from HF's processor
// (docs/TIMM-REFERENCE.md §4): crops round half to even; a non-square input_size resizes with bilinear whatever
// `interpolation` says; crop modes "squash" and "border"; no EXIF orientation (timm's loaders only convert("RGB")).

import { Tensor } from "../tensor/tensor.js";
import type { RgbImage } from "./image.js";
import { toRgbImage, type ImageInput } from "./image-input.js";
import type { PreprocessOptions } from "./image-processor.js";
import { resize, Resample } from "./resize.js";

export type CropMode = "center" | "squash" | "border";

/** resolve_data_config's result (timm names in comments). */
export interface TimmDataConfig {
  /** input_size [C, H, W] */
  inputSize: [number, number, number];
  /** interpolation, as a Pillow filter */
  interpolation: Resample;
  mean: [number, number, number];
  std: [number, number, number];
  /** crop_pct */
  cropPct: number;
  /** crop_mode */
  cropMode: CropMode;
}

const IMAGENET_DEFAULT_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_DEFAULT_STD = [0.229, 0.224, 0.225];

/** timm's interpolation names (str_to_interp_mode) -> Pillow filters. */
const INTERPOLATIONS: Record<string, Resample> = {
  nearest: Resample.NEAREST,
  bilinear: Resample.BILINEAR,
  bicubic: Resample.BICUBIC,
  box: Resample.BOX,
  hamming: Resample.HAMMING,
  lanczos: Resample.LANCZOS,
};

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** resolve_data_config(pretrained_cfg=...) without overrides: the model's eval preprocessing. */
export function resolveDataConfig(pretrainedCfg: Record<string, unknown>, source = "pretrained_cfg"): TimmDataConfig {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  const c = pretrainedCfg;
  const size = c.input_size ?? [3, 224, 224];
  if (!Array.isArray(size) || size.length !== 3 || !size.every((v) => Number.isInteger(v) && v > 0)) {
    fail(`input_size must be [channels, height, width], got ${JSON.stringify(size)}`);
  }
  const name = c.interpolation || "bicubic"; // timm tests truthiness: "" and null mean the default
  const interpolation = INTERPOLATIONS[name as string] ?? fail(`interpolation ${JSON.stringify(name)} is not one of ${Object.keys(INTERPOLATIONS).join(", ")}`); // prettier-ignore
  const triple = (key: string, fallback: number[]) => {
    const v = c[key];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return fallback;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x))) fail(`${key} must be a list of numbers, got ${JSON.stringify(v)}`); // prettier-ignore
    const list = v as number[];
    if (list.length === 1) return [list[0], list[0], list[0]];
    if (list.length !== 3) fail(`${key} must have 3 values (one per RGB channel), got ${JSON.stringify(v)}`);
    return list;
  };
  const mean = triple("mean", IMAGENET_DEFAULT_MEAN);
  const std = triple("std", IMAGENET_DEFAULT_STD);
  if (std.some((s) => s === 0)) fail("std contains 0");
  const pct = c.crop_pct || 0.875; // DEFAULT_CROP_PCT (transforms_imagenet_eval: `crop_pct or DEFAULT_CROP_PCT`)
  if (typeof pct !== "number" || !(pct > 0)) fail(`crop_pct must be a number > 0, got ${JSON.stringify(c.crop_pct)}`);
  const mode = c.crop_mode || "center";
  if (!["center", "squash", "border"].includes(mode as string)) fail(`crop_mode ${JSON.stringify(mode)} is not one of center, squash, border`); // prettier-ignore
  return {
    inputSize: size as [number, number, number],
    interpolation,
    mean: mean as [number, number, number],
    std: std as [number, number, number],
    cropPct: pct as number,
    cropMode: mode as CropMode,
  };
}

/** timm's create_transform(**data_config) for evaluation, as an image processor. */
export class TimmImageProcessor {
  readonly kind = "timm";
  /** timm's loaders do not apply EXIF orientation (Image.open(f).convert("RGB")). */
  readonly exifTranspose = false;

  constructor(readonly config: TimmDataConfig) {
    if (config.inputSize[0] !== 3) throw new Error(`timm preprocessing: ${config.inputSize[0]} input channels; images are RGB`); // prettier-ignore
  }

  /** From a timm config.json's pretrained_cfg (with its top-level overrides). */
  static fromPretrainedCfg(pretrainedCfg: Record<string, unknown>, source?: string): TimmImageProcessor {
    return new TimmImageProcessor(resolveDataConfig(pretrainedCfg, source));
  }

  /** transforms_imagenet_eval: scale_size = floor(size / crop_pct), then the crop mode's resize and crop. */
  resizeAndCrop(image: RgbImage): RgbImage {
    const { inputSize, cropPct, cropMode, interpolation, mean } = this.config;
    const [, H, W] = inputSize;
    const [scaleH, scaleW] = [Math.floor(H / cropPct), Math.floor(W / cropPct)];
    if (cropMode === "squash") {
      // Resize((h, w)): aspect ratio not kept
      return centerCropOrPad(resizeTo(image, scaleH, scaleW, interpolation), H, W, [0, 0, 0]);
    }
    if (cropMode === "border") {
      // ResizeKeepRatio(longest=1): the longer side fits, then CenterCropOrPad with the mean colour
      const fill = mean.map((m) => roundHalfEven(255 * m));
      return centerCropOrPad(resizeKeepRatio(image, scaleH, scaleW, 1, interpolation), H, W, fill);
    }
    if (scaleH === scaleW) {
      // torchvision Resize(int): the shorter side -> scale, the longer int(scale * long / short)
      const short = Math.min(image.width, image.height);
      const long = Math.max(image.width, image.height);
      const other = Math.trunc((scaleH * long) / short);
      const [h, w] = image.width <= image.height ? [other, scaleH] : [scaleH, other];
      return centerCropOrPad(resizeTo(image, h, w, interpolation), H, W, [0, 0, 0]);
    }
    // ResizeKeepRatio(scale_size): timm does not pass `interpolation` here, so its default, bilinear
    return centerCropOrPad(resizeKeepRatio(image, scaleH, scaleW, 0, Resample.BILINEAR), H, W, [0, 0, 0]);
  }

  /** Value per (channel, uint8 level): ToTensor (v / 255 in float32), then Normalize ((x - mean) / std, float32). */
  levelTable(): Float32Array {
    const lut = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) {
      const mean = Math.fround(this.config.mean[c]);
      const std = Math.fround(this.config.std[c]);
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - mean) / std);
    }
    return lut;
  }

  /** One image to RGB, resized and cropped: the uint8 array that becomes its pixel_values. */
  prepare(image: ImageInput, what = "image"): RgbImage {
    return this.resizeAndCrop(toRgbImage(image, what));
  }

  /** pixel_values [N, 3, H, W] (or [N, H, W, 3] channels_last) for a batch. */
  preprocess(images: ImageInput | ImageInput[], options: PreprocessOptions = {}): { pixelValues: Tensor } {
    const list = Array.isArray(images) ? images : [images];
    if (list.length === 0) throw new Error("timm preprocessing: no images");
    return {
      pixelValues: this.stack(
        list.map((img, i) => this.prepare(img, `image ${i}`)),
        options,
      ),
    };
  }

  /** ToTensor + Normalize + stack of prepared images (all input_size after the crop). */
  stack(prepared: RgbImage[], options: PreprocessOptions = {}): Tensor {
    if (prepared.length === 0) throw new Error("timm preprocessing: no images");
    const channelsLast = (options.dataFormat ?? "channels_first") === "channels_last";
    const { width, height } = prepared[0];
    const lut = this.levelTable();
    const plane = width * height;
    const out = new Float32Array(prepared.length * 3 * plane);
    prepared.forEach((r, b) => {
      if (r.width !== width || r.height !== height) throw new Error(`timm preprocessing: image ${b} is ${r.width}x${r.height}, image 0 ${width}x${height}`); // prettier-ignore
      for (let p = 0; p < plane; p++) {
        for (let c = 0; c < 3; c++) {
          const v = lut[c * 256 + r.data[3 * p + c]];
          out[channelsLast ? (b * plane + p) * 3 + c : (b * 3 + c) * plane + p] = v;
        }
      }
    });
    return new Tensor(out, channelsLast ? [prepared.length, height, width, 3] : [prepared.length, 3, height, width]);
  }
}

/** torchvision F.resize to (h, w) on a PIL image: Pillow's resize, skipped when the size is already right. */
function resizeTo(image: RgbImage, h: number, w: number, filter: Resample): RgbImage {
  if (h < 1 || w < 1) throw new Error(`timm preprocessing: a ${image.width}x${image.height} image resizes to ${w}x${h}`); // prettier-ignore
  if (h === image.height && w === image.width) return image;
  return { width: w, height: h, data: resize(image.data, image.width, image.height, 3, w, h, filter) };
}

/** timm ResizeKeepRatio (eval: no random scale or aspect): both sides / ratio, rounded half to even. */
function resizeKeepRatio(image: RgbImage, targetH: number, targetW: number, longest: number, filter: Resample) {
  const ratioH = image.height / targetH;
  const ratioW = image.width / targetW;
  const ratio = Math.max(ratioH, ratioW) * longest + Math.min(ratioH, ratioW) * (1 - longest);
  return resizeTo(image, roundHalfEven(image.height / ratio), roundHalfEven(image.width / ratio), filter);
}

/**
 * torchvision center_crop / timm center_crop_or_pad: pad to at least the crop (left/top get the floor of half
 * the shortfall) with `fill`, then crop at int(round((size - crop) / 2)) (half to even).
 */
export function centerCropOrPad(image: RgbImage, cropH: number, cropW: number, fill: number[]): RgbImage {
  const padLeft = cropW > image.width ? Math.floor((cropW - image.width) / 2) : 0;
  const padTop = cropH > image.height ? Math.floor((cropH - image.height) / 2) : 0;
  const h = Math.max(image.height, cropH);
  const w = Math.max(image.width, cropW);
  const top = roundHalfEven((h - cropH) / 2);
  const left = roundHalfEven((w - cropW) / 2);
  const out = new Uint8Array(cropH * cropW * 3);
  for (let y = 0; y < cropH; y++) {
    const sy = y + top - padTop;
    for (let x = 0; x < cropW; x++) {
      const sx = x + left - padLeft;
      const inside = sy >= 0 && sy < image.height && sx >= 0 && sx < image.width;
      for (let c = 0; c < 3; c++) out[(y * cropW + x) * 3 + c] = inside ? image.data[(sy * image.width + sx) * 3 + c] : fill[c]; // prettier-ignore
    }
  }
  return { width: cropW, height: cropH, data: out };
}
