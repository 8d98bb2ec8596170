// transformers.image_utils.load_image on a file's bytes: decode, ImageOps.exif_transpose, convert("RGB").

import { toRgb } from "./convert.js";
import { decodeImage, type DecodeOptions } from "./decode.js";
import { orientationOf, transposeForOrientation } from "./exif.js";
import type { DecodedImage, RgbImage } from "./image.js";

export interface LoadImageOptions {
  /** Apply the EXIF/XMP orientation like HF pipelines do (default true); false = what a bare Image.open gives. */
  exifTranspose?: boolean;
  maxPixels?: number;
}

/** Decoded bytes -> RGB, with the orientation applied unless `exifTranspose` is false. */
export function decodedToRgb(image: DecodedImage, exifTranspose = true): RgbImage {
  const rgb = toRgb(image);
  if (!exifTranspose) return rgb;
  // Transposing after the conversion gives the same pixels as Pillow's transpose-then-convert.
  return transposeForOrientation(rgb.data, rgb.width, rgb.height, 3, orientationOf(image));
}

/** PNG or JPEG bytes -> the RGB image load_image gives; errors name `source`. */
export function decodeToRgb(
  bytes: Uint8Array,
  options: LoadImageOptions & Pick<DecodeOptions, "source"> = {},
): RgbImage {
  const decoded = decodeImage(bytes, { source: options.source, maxPixels: options.maxPixels });
  return decodedToRgb(decoded, options.exifTranspose ?? true);
}
