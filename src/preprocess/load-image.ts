// transformers.image_utils.load_image for files: read, decode, ImageOps.exif_transpose, convert("RGB").
// Node edge (reads the file system); everything it calls is pure.

import { readBytes } from "../io/files.js";
import { toRgb } from "./convert.js";
import { decodeImage } from "./decode.js";
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

export async function loadImage(path: string, options: LoadImageOptions = {}): Promise<RgbImage> {
  const bytes = await readBytes(path);
  const decoded = decodeImage(bytes, { source: path, maxPixels: options.maxPixels });
  return decodedToRgb(decoded, options.exifTranspose ?? true);
}
