// Public entry of the JPEG decoder: bytes in, Pillow's pixels out (mode L, RGB or CMYK), bit-identical to
// Pillow 9.4 on libjpeg-turbo 2.1 with default settings.

import { DEFAULT_MAX_PIXELS, type DecodedImage } from "../image.js";
import { JpegDecoder } from "./decoder.js";
import { smoothedComponentPlane, smoothingUseful } from "./smoothing.js";
import { colorSpaceOf, componentPlane, modeOf, renderImage } from "./output.js";

export { JpegError } from "./error.js";

export interface JpegDecodeOptions {
  /** Refuse images with more pixels than this (checked from the SOF header before any pixel buffer exists). */
  maxPixels?: number;
  /** File name used in error messages. */
  source?: string;
  /** Like Pillow's ImageFile.LOAD_TRUNCATED_IMAGES: decode what is there instead of failing on missing data. */
  allowTruncated?: boolean;
}

export function decodeJpeg(bytes: Uint8Array, options: JpegDecodeOptions = {}): DecodedImage {
  const source = options.source ?? "<jpeg>";
  const decoder = new JpegDecoder(bytes, {
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    source,
    allowTruncated: options.allowTruncated ?? false,
  });
  const parsed = decoder.decode();
  const { frame } = parsed;
  const space = colorSpaceOf(frame, parsed.sawJfif, parsed.adobeTransform);
  const smooth = parsed.progression !== null && smoothingUseful(frame, parsed.progression);
  const planes = frame.components.map((c) =>
    smooth && parsed.progression ? smoothedComponentPlane(frame, c, parsed.progression) : componentPlane(c),
  );
  for (const c of frame.components) c.coefs = new Int16Array(0);
  const data = renderImage(frame, space, planes, source);
  const image: DecodedImage = { width: frame.width, height: frame.height, mode: modeOf(space), data };
  if (parsed.exif) image.exif = parsed.exif;
  if (parsed.xmp !== undefined) image.xmp = parsed.xmp;
  return image;
}
