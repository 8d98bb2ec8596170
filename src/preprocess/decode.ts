// Bytes -> DecodedImage, choosing the decoder by the file's magic bytes (never by its extension).
// The BMP and GIF decoders, rare on the web, are modules of their own loaded when an image needs them (the
// core's size budget): the async image APIs load them, the Node entry registers them at start-up, and a page
// calling decodeImage itself awaits loadImageDecoders() first.

import { ImageDecodeError } from "./errors.js";
import { unsupportedFormat } from "./formats.js";
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
  const tag = String.fromCharCode(...bytes.subarray(0, 6));
  if (tag === "GIF87a" || tag === "GIF89a") return "GIF";
  if (tag.startsWith("BM")) return "BMP";
  return undefined;
}

type Decoder = (bytes: Uint8Array, options: { source: string; maxPixels: number }) => DecodedImage;
let onDemand: { BMP: Decoder; GIF: Decoder } | null = null;

/** Makes the BMP and GIF decoders available to decodeImage (the Node entry, statically). */
export function registerImageDecoders(decoders: { BMP: Decoder; GIF: Decoder }): void {
  onDemand ??= decoders;
}

/** Loads the BMP and GIF decoders (modules of their own); with `bytes`, only if those bytes need them. */
export async function loadImageDecoders(bytes?: Uint8Array): Promise<void> {
  const format = bytes && sniffFormat(bytes);
  if (onDemand || (bytes && format !== "BMP" && format !== "GIF")) return;
  const [bmp, gif] = await Promise.all([import("./bmp.js"), import("./gif.js")]);
  registerImageDecoders({ BMP: bmp.decodeBmp, GIF: gif.decodeGif });
}

/** Decodes a PNG, JPEG, BMP or GIF (first frame) file into Pillow's mode and pixels; errors name `source`. */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): DecodedImage {
  const source = options.source ?? "<image>";
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isFinite(maxPixels) || maxPixels <= 0)
    throw new Error(`maxPixels must be a positive number, got ${maxPixels}`);
  const format = sniffFormat(bytes);
  switch (format) {
    case "PNG":
      return decodePng(bytes, { source, maxPixels });
    case "JPEG":
      return decodeJpegFile(bytes, source, maxPixels);
    case "GIF":
    case "BMP":
      if (!onDemand) throw new ImageDecodeError(source, `${format} decoding loads on demand: await loadImageDecoders() first`); // prettier-ignore
      return onDemand[format](bytes, { source, maxPixels });
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
