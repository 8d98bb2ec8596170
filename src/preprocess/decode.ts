// Bytes -> DecodedImage, choosing the decoder by the file's magic bytes (never by its extension).

import { ImageDecodeError } from "./errors.js";
import { DEFAULT_MAX_PIXELS, type DecodedImage } from "./image.js";
import { decodeJpeg } from "./jpeg/index.js";
import { decodePng, isPng } from "./png.js";

export interface DecodeOptions {
  /** File name for error messages. */
  source?: string;
  /** Refuse images above this many pixels before decoding their pixels (default: Pillow's 89,478,485). */
  maxPixels?: number;
}

export type ImageFormat = "PNG" | "JPEG";

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (isPng(bytes)) return "PNG";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "JPEG";
  return undefined;
}

/** Decodes a PNG or JPEG file into Pillow's mode and pixels; errors name `source`. */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): DecodedImage {
  const source = options.source ?? "<image>";
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isFinite(maxPixels) || maxPixels <= 0)
    throw new Error(`maxPixels must be a positive number, got ${maxPixels}`);
  switch (sniffFormat(bytes)) {
    case "PNG":
      return decodePng(bytes, { source, maxPixels });
    case "JPEG":
      return decodeJpegFile(bytes, source, maxPixels);
    default:
      throw new ImageDecodeError(source, bytes.length === 0 ? "empty file" : "unknown image format (not PNG or JPEG)");
  }
}

/** The one place that picks the JPEG decoder. */
function decodeJpegFile(bytes: Uint8Array, source: string, maxPixels: number): DecodedImage {
  return decodeJpeg(bytes, { source, maxPixels });
}
