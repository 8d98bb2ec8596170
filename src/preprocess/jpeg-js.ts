// Interim JPEG decoding through the jpeg-js package, shaped as a DecodedImage. jpeg-js is not libjpeg-turbo:
// its IDCT and chroma upsampling differ from Pillow's by a few levels (numbers in docs/PREPROCESSING.md),
// and it converts 4-component (CMYK/YCCK) files to RGB itself, so those come back as mode "RGB" here where
// Pillow reports "CMYK". An exact decoder (src/preprocess/jpeg/) replaces this file in decode.ts.

import jpeg from "jpeg-js";
import { ImageDecodeError } from "./errors.js";
import { DEFAULT_MAX_PIXELS, type DecodedImage } from "./image.js";

export interface JpegJsOptions {
  source?: string;
  maxPixels?: number;
}

interface JpegHeader {
  width: number;
  height: number;
  components: number;
  exif?: Uint8Array;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Walks the marker segments up to the first scan: frame size, component count, first EXIF APP1 (as Pillow). */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let pos = 2;
  let header: JpegHeader | undefined;
  let exif: Uint8Array | undefined;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) {
      pos++;
      continue;
    }
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break;
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (length < 2) break;
    const payload = bytes.subarray(pos + 4, Math.min(pos + 2 + length, bytes.length));
    if (
      marker === 0xe1 &&
      !exif &&
      payload.length >= 5 &&
      String.fromCharCode(...payload.subarray(0, 5)) === "Exif\0"
    ) {
      // Pillow keeps the first Exif APP1 and drops the "Exif\0\0" prefix when it loads it.
      exif = payload[5] === 0 ? payload.subarray(6) : payload;
    }
    if (SOF_MARKERS.has(marker) && !header && payload.length >= 6) {
      header = {
        height: (payload[1] << 8) | payload[2],
        width: (payload[3] << 8) | payload[4],
        components: payload[5],
      };
    }
    pos += 2 + length;
  }
  if (!header) return undefined;
  if (exif) header.exif = exif.slice();
  return header;
}

export function decodeJpegJs(bytes: Uint8Array, options: JpegJsOptions = {}): DecodedImage {
  const source = options.source ?? "<jpeg>";
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = readJpegHeader(bytes);
  if (!header) throw new ImageDecodeError(source, "invalid JPEG: no frame header (SOF) before the image data");
  const { width, height, components } = header;
  if (width === 0 || height === 0) throw new ImageDecodeError(source, `invalid JPEG: frame size ${width}x${height}`);
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      source,
      `image is ${width}x${height} = ${width * height} pixels, above the limit of ${maxPixels} (maxPixels)`,
    );
  }
  let rgb: { width: number; height: number; data: Uint8Array };
  try {
    rgb = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: Math.ceil(maxPixels / 1e6) + 1,
      maxMemoryUsageInMB: 4096,
    });
  } catch (e) {
    throw new ImageDecodeError(source, `invalid JPEG: ${(e as Error).message}`);
  }
  if (rgb.width !== width || rgb.height !== height) {
    throw new ImageDecodeError(
      source,
      `invalid JPEG: decoded ${rgb.width}x${rgb.height}, header says ${width}x${height}`,
    );
  }
  const image: DecodedImage =
    components === 1
      ? { width, height, mode: "L", data: takeFirstChannel(rgb.data, width * height) }
      : { width, height, mode: "RGB", data: rgb.data };
  if (header.exif) image.exif = header.exif;
  return image;
}

function takeFirstChannel(rgb: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rgb[3 * i];
  return out;
}
