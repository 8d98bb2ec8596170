// Image preprocessing identical to transformers' ConvNextImageProcessor + Pillow 9.4 (see docs/PREPROCESSING.md).
export { toRgb } from "./convert.js";
export { decodeImage, loadImageDecoders, sniffFormat, type DecodeOptions, type ImageFormat } from "./decode.js";
export { ImageDecodeError } from "./errors.js";
export { orientationOf, readExifOrientation, transposeForOrientation } from "./exif.js";
export { channelsOf, DEFAULT_MAX_PIXELS, type DecodedImage, type ImageMode, type RgbImage } from "./image.js";
export { toRgbImage, type ImageDataLike, type ImageInput, type NdArrayImage, type RawPixels } from "./image-input.js";
// (ConvNextImageProcessor itself is exported with fromPretrained by src/pretrained.)
export {
  centerCrop,
  CONVNEXT_PROCESSOR_DEFAULTS,
  type ConvNextImageProcessorOptions,
  type DataFormat,
  type PreprocessOptions,
} from "./image-processor.js";
export { inflate, type InflateOptions, type InflateResult } from "./inflate.js";
export { decodedToRgb, decodeToRgb, type LoadImageOptions } from "./load-image.js";
export { decodePng, isPng, type PngDecodeOptions } from "./png.js";
export { isResample, Resample, resize } from "./resize.js";
// timm's eval transform (timm-transform.ts) is loaded on demand in the core (loadImageProcessor on a timm
// checkpoint); the Node entry exports it.
export type { CropMode, TimmDataConfig, TimmImageProcessor } from "./timm-transform.js";
