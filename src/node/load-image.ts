// transformers.image_utils.load_image for files: read, then decode, exif_transpose and convert("RGB").

import { decodeToRgb, type LoadImageOptions } from "../preprocess/load-image.js";
import type { RgbImage } from "../preprocess/image.js";
import { readBytes } from "./files.js";

export async function loadImage(path: string, options: LoadImageOptions = {}): Promise<RgbImage> {
  return decodeToRgb(await readBytes(path), { ...options, source: path });
}
