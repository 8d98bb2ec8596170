// Pillow 9.4 `Image.convert("RGB")` (libImaging/Convert.c) for every mode a decoder here produces.
// Alpha is dropped, never composited; palette transparency is ignored; 16-bit grey ("I") is clipped, not
// scaled; CMYK uses Pillow's integer formula. That is what HF pipelines feed the processor
// (docs/REFERENCE.md §2, "Decoding with PIL").

import { channelsOf, type DecodedImage, type RgbImage } from "./image.js";

/** MULDIV255 from ImagingUtils.h: a * b / 255 rounded with Pillow's shift trick. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

const clip8 = (v: number) => (v <= 0 ? 0 : v < 256 ? v : 255);

/** Converts a decoded image to 8-bit RGB exactly as Pillow's convert("RGB") does. */
export function toRgb(image: DecodedImage): RgbImage {
  const { width, height, mode, data } = image;
  const n = width * height;
  const channels = channelsOf(mode);
  if (data.length !== n * channels) {
    throw new Error(`toRgb: ${mode} image ${width}x${height} needs ${n * channels} values, got ${data.length}`);
  }
  // Already RGB: the decoder's array is used as is (a copy would double the peak memory of the largest images).
  if (mode === "RGB" && data instanceof Uint8Array) return { width, height, data };
  const out = new Uint8Array(n * 3);
  const put = (i: number, r: number, g: number, b: number) => {
    out[3 * i] = r;
    out[3 * i + 1] = g;
    out[3 * i + 2] = b;
  };
  switch (mode) {
    case "RGB":
      out.set(data);
      break;
    case "RGBA":
      for (let i = 0; i < n; i++) put(i, data[4 * i], data[4 * i + 1], data[4 * i + 2]);
      break;
    case "L":
      for (let i = 0; i < n; i++) put(i, data[i], data[i], data[i]);
      break;
    case "LA":
      for (let i = 0; i < n; i++) put(i, data[2 * i], data[2 * i], data[2 * i]);
      break;
    case "1":
      // Pillow stores "1" as 0/255; any non-zero byte is white.
      for (let i = 0; i < n; i++) {
        const v = data[i] !== 0 ? 255 : 0;
        put(i, v, v, v);
      }
      break;
    case "I":
      for (let i = 0; i < n; i++) {
        const v = clip8(data[i]);
        put(i, v, v, v);
      }
      break;
    case "P":
    case "PA": {
      const lut = paletteTable(image.palette);
      const step = channels;
      for (let i = 0; i < n; i++) {
        const idx = data[step * i];
        put(i, lut[3 * idx], lut[3 * idx + 1], lut[3 * idx + 2]);
      }
      break;
    }
    case "CMYK":
      for (let i = 0; i < n; i++) {
        const nk = 255 - data[4 * i + 3];
        put(
          i,
          clip8(nk - mulDiv255(data[4 * i], nk)),
          clip8(nk - mulDiv255(data[4 * i + 1], nk)),
          clip8(nk - mulDiv255(data[4 * i + 2], nk)),
        );
      }
      break;
  }
  return { width, height, data: out };
}

/**
 * The 256-entry palette Pillow looks up: the file's entries, then (for indices past them) the grey ramp
 * ImagingPaletteNew starts from.
 */
function paletteTable(palette: Uint8Array | undefined): Uint8Array {
  const lut = new Uint8Array(768);
  for (let i = 0; i < 256; i++) lut[3 * i] = lut[3 * i + 1] = lut[3 * i + 2] = i;
  if (palette) lut.set(palette.subarray(0, Math.min(768, Math.floor(palette.length / 3) * 3)));
  return lut;
}
