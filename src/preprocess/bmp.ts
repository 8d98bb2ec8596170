// BMP decoding as Pillow 9.4 does it (BmpImagePlugin.py, RawDecode.c, Unpack.c), quirks included, so
// convert("RGB") gives its pixels: headers of 12 (OS/2 v1), 40, 64 (OS/2 v2), 108 and 124 bytes; 1/4/8-bit
// palettes (read as mode "1" or "L" when they are exactly the black/white or grey ramp), RLE8/RLE4,
// 16-bit 555/565, 24-bit, 32-bit with the bitfield layouts Pillow knows; bottom-up and top-down rows.

import { ImageDecodeError } from "./errors.js";
import type { DecodedImage, ImageMode } from "./image.js";

export interface BmpDecodeOptions {
  source: string;
  maxPixels: number;
}

const RAW = 0;
const RLE8 = 1;
const RLE4 = 2;
const BITFIELDS = 3;

/** Pillow's rawmodes used here: [bits per pixel in the file, channels of the mode they unpack to]. */
type RawMode =
  "P;1" | "P;4" | "P" | "1" | "L" | "BGR;15" | "BGR;16" | "BGR" | "BGRX" | "XBGR" | "ABGR" | "RGBA" | "BGRA";
const RAW_MODES: Record<RawMode, [number, number]> = {
  "P;1": [1, 1],
  "P;4": [4, 1],
  P: [8, 1],
  "1": [1, 1],
  L: [8, 1],
  "BGR;15": [16, 3],
  "BGR;16": [16, 3],
  BGR: [24, 3],
  BGRX: [32, 3],
  XBGR: [32, 3],
  ABGR: [32, 4],
  RGBA: [32, 4],
  BGRA: [32, 4],
};

/** Where R, G, B (and A) sit in a 32-bit pixel. */
const BYTE_ORDER: Record<string, number[]> = {
  BGRX: [2, 1, 0],
  XBGR: [3, 2, 1],
  ABGR: [3, 2, 1, 0],
  RGBA: [0, 1, 2, 3],
  BGRA: [2, 1, 0, 3],
};

const BIT2MODE: Record<number, [ImageMode, RawMode]> = {
  1: ["P", "P;1"],
  4: ["P", "P;4"],
  8: ["P", "P"],
  16: ["RGB", "BGR;15"],
  24: ["RGB", "BGR"],
  32: ["RGB", "BGRX"],
};

/** Bitfield masks Pillow accepts, by bit depth: [r, g, b(, a)] -> rawmode. */
const MASK_MODES: Record<number, Array<[number[], RawMode]>> = {
  32: [
    [[0xff0000, 0xff00, 0xff, 0x0], "BGRX"],
    [[0xff000000, 0xff0000, 0xff00, 0x0], "XBGR"],
    [[0xff000000, 0xff0000, 0xff00, 0xff], "ABGR"],
    [[0xff, 0xff00, 0xff0000, 0xff000000], "RGBA"],
    [[0xff0000, 0xff00, 0xff, 0xff000000], "BGRA"],
    [[0x0, 0x0, 0x0, 0x0], "BGRA"],
  ],
  24: [[[0xff0000, 0xff00, 0xff], "BGR"]],
  16: [
    [[0xf800, 0x7e0, 0x1f], "BGR;16"],
    [[0x7c00, 0x3e0, 0x1f], "BGR;15"],
  ],
};

export function decodeBmp(bytes: Uint8Array, options: BmpDecodeOptions): DecodedImage {
  const { source } = options;
  const fail = (reason: string): never => {
    throw new ImageDecodeError(source, reason);
  };
  const u16 = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  const u32 = (at: number) => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  if (bytes.length < 18) fail("truncated BMP header");
  const offsetField = u32(10);
  const headerSize = u32(14);
  const headerEnd = 14 + headerSize;
  if (![12, 40, 64, 108, 124].includes(headerSize)) fail(`unsupported BMP header type (${headerSize})`);
  if (bytes.length < headerEnd) fail("truncated BMP header");
  let pos = headerEnd; // the file position Pillow reads on from

  let width: number;
  let height: number;
  let bits: number;
  let compression: number;
  let colors = 0;
  let paletteEntryBytes: number;
  let bottomUp = true;
  let masks: number[] = [];
  if (headerSize === 12) {
    width = u16(18);
    height = u16(20);
    bits = u16(24);
    compression = RAW;
    paletteEntryBytes = 3;
  } else {
    // a height whose top byte is 0xFF is read as negative: top-down rows
    const topDown = bytes[25] === 0xff;
    bottomUp = !topDown;
    width = u32(18);
    height = topDown ? 2 ** 32 - u32(22) : u32(22);
    bits = u16(28);
    compression = u32(30);
    colors = u32(46);
    paletteEntryBytes = 4;
    if (compression === BITFIELDS) {
      if (headerSize >= 56) {
        masks = [u32(54), u32(58), u32(62), u32(66)];
      } else {
        // 40-byte headers: three masks follow the header; the fourth (alpha) is taken as 0
        if (bytes.length < pos + 12) fail("truncated BMP bitfield masks");
        masks = [u32(pos), u32(pos + 4), u32(pos + 8), 0];
        pos += 12;
      }
    }
  }
  if (width === 0 || height === 0) fail(`image has no pixels (${width}x${height})`);
  if (width * height > options.maxPixels) {
    fail(`image size ${width}x${height} (${width * height} pixels) exceeds the limit of ${options.maxPixels} pixels`);
  }
  if (colors === 0) colors = 2 ** Math.min(bits, 64);
  let offset = offsetField;
  // an offset that points right after the header although the file has a palette: skip the palette
  if (offset === headerEnd && bits <= 8) offset += 4 * colors;

  const depth = BIT2MODE[bits];
  if (!depth) fail(`unsupported BMP pixel depth (${bits})`);
  let [mode, rawMode] = depth;
  let rle = false;
  if (compression === BITFIELDS) {
    const known = MASK_MODES[bits];
    const wanted = bits === 32 ? masks : masks.slice(0, 3);
    const match = known?.find(([m]) => m.every((v, i) => v === wanted[i]));
    if (!match) return fail("unsupported BMP bitfields layout");
    rawMode = match[1];
    if (rawMode.includes("A")) mode = "RGBA";
  } else if (compression === RLE8 || compression === RLE4) {
    rle = true;
  } else if (compression !== RAW) {
    fail(`unsupported BMP compression (${compression})`);
  }

  let palette: Uint8Array | undefined;
  if (mode === "P") {
    if (!(colors > 0 && colors <= 65536)) fail(`unsupported BMP palette size (${colors})`);
    const table = bytes.subarray(pos, Math.min(bytes.length, pos + paletteEntryBytes * colors));
    pos += table.length;
    // a palette that is exactly black and white (2 colours) or the grey ramp: Pillow drops it (mode 1 or L)
    const ramp = colors === 2 ? [0, 255] : Array.from({ length: colors }, (_, i) => i & 255);
    const grey = ramp.every((v, i) => {
      const at = i * paletteEntryBytes;
      return at + 3 <= table.length && table[at] === v && table[at + 1] === v && table[at + 2] === v;
    });
    if (grey) {
      mode = colors === 2 ? "1" : "L";
      rawMode = mode as RawMode;
    } else {
      const entries = Math.floor(table.length / paletteEntryBytes);
      if (entries > 256) fail(`invalid palette size (${entries} colours, at most 256)`);
      palette = new Uint8Array(entries * 3);
      for (let i = 0; i < entries; i++) {
        // stored B, G, R(, X)
        palette[3 * i] = table[i * paletteEntryBytes + 2];
        palette[3 * i + 1] = table[i * paletteEntryBytes + 1];
        palette[3 * i + 2] = table[i * paletteEntryBytes];
      }
    }
  }
  const start = offset || pos;

  if (rle) {
    if (mode !== "P" && mode !== "L") fail(`RLE compression with a ${bits}-bit ${mode} image`);
    const data = expandRle(bytes, start, width, height, compression === RLE4, fail);
    return { width, height, mode, data: rows(data, 0, width, height, width, width, bottomUp), palette };
  }

  const stride = (Math.floor((width * bits + 31) / 8) >>> 0) & ~3;
  const rowBytes = Math.ceil((width * RAW_MODES[rawMode][0]) / 8);
  if (stride < rowBytes) fail(`decoder error: ${bits}-bit rows cannot hold ${rawMode} pixels`);
  if (start + (height - 1) * stride + rowBytes > bytes.length) fail("image file is truncated");
  const raw = rows(bytes, start, width, height, stride, rowBytes, bottomUp);
  return { width, height, mode, data: unpack(raw, rawMode, width, height, rowBytes), palette };
}

/** The image's rows (each `rowBytes` long, `stride` apart in the file), top row first. */
function rows(
  bytes: Uint8Array,
  start: number,
  width: number,
  height: number,
  stride: number,
  rowBytes: number,
  bottomUp: boolean,
): Uint8Array {
  const out = new Uint8Array(height * rowBytes);
  for (let r = 0; r < height; r++) {
    const y = bottomUp ? height - 1 - r : r;
    out.set(bytes.subarray(start + r * stride, start + r * stride + rowBytes), y * rowBytes);
  }
  return out;
}

/** Unpack.c for the rawmodes above: rows of `rowBytes` -> interleaved pixels of the mode. */
function unpack(raw: Uint8Array, rawMode: RawMode, width: number, height: number, rowBytes: number): Uint8Array {
  const channels = RAW_MODES[rawMode][1];
  const order = BYTE_ORDER[rawMode];
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    let o = y * width * channels;
    for (let x = 0; x < width; x++, o += channels) {
      switch (rawMode) {
        case "P;1":
          out[o] = (raw[row + (x >> 3)] >> (7 - (x & 7))) & 1;
          break;
        case "1":
          out[o] = (raw[row + (x >> 3)] >> (7 - (x & 7))) & 1 ? 255 : 0;
          break;
        case "P;4":
          out[o] = (raw[row + (x >> 1)] >> (x & 1 ? 0 : 4)) & 15;
          break;
        case "P":
        case "L":
          out[o] = raw[row + x];
          break;
        case "BGR;15":
        case "BGR;16": {
          const p = raw[row + 2 * x] | (raw[row + 2 * x + 1] << 8);
          const green = rawMode === "BGR;16" ? [5, 63] : [5, 31];
          const redShift = rawMode === "BGR;16" ? 11 : 10;
          out[o] = Math.floor((((p >> redShift) & 31) * 255) / 31);
          out[o + 1] = Math.floor((((p >> green[0]) & green[1]) * 255) / green[1]);
          out[o + 2] = Math.floor(((p & 31) * 255) / 31);
          break;
        }
        case "BGR":
          out[o] = raw[row + 3 * x + 2];
          out[o + 1] = raw[row + 3 * x + 1];
          out[o + 2] = raw[row + 3 * x];
          break;
        default: {
          const at = row + 4 * x;
          for (let c = 0; c < channels; c++) out[o + c] = raw[at + order[c]];
        }
      }
    }
  }
  return out;
}

/**
 * BmpImagePlugin.BmpRleDecoder: the RLE8/RLE4 stream from `start` -> one byte per pixel, in file row order,
 * with its quirks: a delta reads two bytes more than it uses; word alignment is of the file position; an
 * absolute run may run past its row. Set as raw data, it must fill the image.
 */
function expandRle(
  bytes: Uint8Array,
  start: number,
  width: number,
  height: number,
  rle4: boolean,
  fail: (reason: string) => never,
): Uint8Array {
  const total = width * height;
  const out = new Uint8Array(total); // zeros: what padding and deltas leave
  let n = 0; // pixels produced (those past the image are counted, not kept)
  const put = (v: number) => {
    if (n < total) out[n] = v;
    n++;
  };
  let p = start;
  let x = 0;
  const read = (count: number) => {
    const chunk = bytes.subarray(p, Math.min(bytes.length, p + count));
    p += chunk.length;
    return chunk;
  };
  while (n < total) {
    if (p + 2 > bytes.length) break;
    let count = bytes[p++];
    const value = bytes[p++];
    if (count) {
      // encoded mode: a run, cut at the end of the row
      if (x + count > width) count = Math.max(0, width - x);
      for (let i = 0; i < count; i++) put(rle4 ? (i % 2 === 0 ? value >> 4 : value & 15) : value);
      x += count;
    } else if (value === 0) {
      n = Math.ceil(n / width) * width; // end of line: the rest of the row stays 0
      x = 0;
    } else if (value === 1) {
      break; // end of bitmap
    } else if (value === 2) {
      // delta: Pillow checks that two bytes follow, then reads the next two as (right, up)
      if (read(2).length < 2) break;
      const delta = read(2);
      if (delta.length < 2) fail("RLE delta runs past the end of the file");
      n += delta[0] + delta[1] * width;
      x = n % width;
    } else {
      // absolute mode: `value` pixels follow, then padding to an even file position
      const byteCount = rle4 ? value >> 1 : value;
      const run = read(byteCount);
      for (const b of run) {
        if (rle4) {
          put(b >> 4);
          put(b & 15);
        } else put(b);
      }
      if (run.length < byteCount) break;
      x += value;
      if (p % 2 !== 0) p++;
    }
  }
  if (n < total) fail("not enough image data (the RLE stream ends early)");
  return out;
}
