// Bytes -> DecodedImage, choosing the decoder by the file's magic bytes (never by its extension).

import { decodeBmp, isBmp } from "./bmp.js";
import { ImageDecodeError } from "./errors.js";
import { unsupportedFormat } from "./formats.js";
import { decodeGif, isGif } from "./gif.js";
import { DEFAULT_MAX_PIXELS, type DecodedImage } from "./image.js";
import { decodeJpeg } from "./jpeg/index.js";
import { decodePng, isPng } from "./png.js";

export interface DecodeOptions {
  /** File name for error messages. */
  source?: string;
  /** Refuse images above this many pixels before decoding their pixels (default: Pillow's 89,478,485). */
  maxPixels?: number;
}

export type ImageFormat = "PNG" | "JPEG" | "BMP" | "GIF";

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (isPng(bytes)) return "PNG";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "JPEG";
  if (isGif(bytes)) return "GIF";
  if (isBmp(bytes)) return "BMP";
  return undefined;
}

/** Decodes a PNG, JPEG, BMP or GIF (first frame) file into Pillow's mode and pixels; errors name `source`. */
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
    case "GIF":
      return decodeGif(bytes, { source, maxPixels });
    case "BMP":
      return decodeBmp(bytes, { source, maxPixels });
    default: {
      const other = unsupportedFormat(bytes);
      const reason =
        bytes.length === 0 ? "empty file" : other ? `${other} images are not supported` : "unknown image format";
      throw new ImageDecodeError(source, `${reason} (this engine decodes PNG, JPEG, BMP and GIF)`);
    }
  }
}

/** The one place that picks the JPEG decoder. */
function decodeJpegFile(bytes: Uint8Array, source: string, maxPixels: number): DecodedImage {
  return decodeJpeg(bytes, { source, maxPixels });
}
