// GIF decoding as Pillow 9.4 does it for the first frame (GifImagePlugin.py, GifDecode.c), which is what
// load_image gives: the screen (grown to hold the frame), filled with the frame's transparent index (else 0),
// the frame's LZW pixels at its offset (interlaced or not); mode "P" with the frame's palette (a local one,
// else the global one), or "L" when that palette is the identity grey ramp or absent.

import { ImageDecodeError } from "./errors.js";
import type { DecodedImage } from "./image.js";

export interface GifDecodeOptions {
  source: string;
  maxPixels: number;
}

/**
 * The palette Pillow keeps: undefined when it is the identity grey ramp (_is_palette_needed is false). A
 * palette cut short by the end of the file fails there, as Pillow's check does, unless a colour before it
 * already made it needed.
 */
function neededPalette(table: Uint8Array, fail: (reason: string) => never): Uint8Array | undefined {
  for (let i = 0; i < table.length; i += 3) {
    if (i + 2 >= table.length) fail("truncated GIF palette");
    const v = i / 3;
    if (!(table[i] === v && table[i + 1] === v && table[i + 2] === v)) return table;
  }
  return undefined;
}

export function decodeGif(bytes: Uint8Array, options: GifDecodeOptions): DecodedImage {
  const { source } = options;
  const fail = (reason: string): never => {
    throw new ImageDecodeError(source, reason);
  };
  const u16 = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  if (bytes.length < 13) fail("truncated GIF header");
  let width = u16(6);
  let height = u16(8);
  let p = 13;
  let globalPalette: Uint8Array | undefined;
  const flags = bytes[10];
  if (flags & 0x80) {
    const table = bytes.subarray(p, Math.min(bytes.length, p + (3 << ((flags & 7) + 1))));
    p += table.length;
    globalPalette = neededPalette(table, fail);
  }
  // sub-blocks of an extension: skipped (Pillow reads them one by one until an empty one or the end)
  const skipBlocks = () => {
    while (p < bytes.length && bytes[p] !== 0) p += 1 + bytes[p];
    p++;
  };

  // Blocks until the first image descriptor (Pillow's _seek(0)).
  let transparency: number | undefined;
  let frame:
    { x0: number; y0: number; w: number; h: number; interlace: boolean; palette?: Uint8Array | false } | undefined;
  let lzwBits = 0;
  while (p < bytes.length) {
    const tag = bytes[p++];
    if (tag === 0x3b) break; // trailer
    if (tag === 0x21) {
      if (p >= bytes.length) break;
      const label = bytes[p++];
      if (label === 0xf9) {
        // graphic control extension: flags, delay, the transparent index (if flag 1 is set)
        const length = p < bytes.length ? Math.min(bytes[p], bytes.length - p - 1) : 0;
        if (length < 3 || (bytes[p + 1] & 1 && length < 4)) fail("truncated graphic control extension");
        if (bytes[p + 1] & 1) transparency = bytes[p + 4];
      }
      skipBlocks();
    } else if (tag === 0x2c) {
      if (p + 9 > bytes.length) fail("truncated image descriptor");
      const f = bytes[p + 8];
      frame = { x0: u16(p), y0: u16(p + 2), w: u16(p + 4), h: u16(p + 6), interlace: (f & 0x40) !== 0 };
      p += 9;
      if (f & 0x80) {
        const table = bytes.subarray(p, Math.min(bytes.length, p + (3 << ((f & 7) + 1))));
        p += table.length;
        frame.palette = neededPalette(table, fail) ?? false;
      }
      if (p >= bytes.length) fail("truncated image data");
      lzwBits = bytes[p++];
      break;
    }
    // any other byte is skipped, as Pillow does
  }
  if (!frame) fail("no image in the GIF file");
  const { x0, y0, w, h, interlace } = frame!;
  // a frame past the screen grows the image
  width = Math.max(width, x0 + w);
  height = Math.max(height, y0 + h);
  if (width * height > options.maxPixels) {
    fail(`image size ${width}x${height} (${width * height} pixels) exceeds the limit of ${options.maxPixels} pixels`);
  }
  if (width === 0 || height === 0) fail(`image has no pixels (${width}x${height})`);

  // A frame palette Pillow found not needed (false) makes the frame "L", yet Image.load() then puts the
  // global palette (when there is one) on the image: its pixels are looked up in it all the same.
  const palette = frame!.palette || globalPalette;
  const mode = palette ? "P" : "L";
  const data = new Uint8Array(width * height);
  if (transparency !== undefined) data.fill(transparency);
  // setimage: an extent starting and ending at x = 0 means the whole image
  const whole = x0 === 0 && x0 + w === 0;
  const extent = whole ? { x0: 0, y0: 0, w: width, h: height } : { x0, y0, w, h };
  if (extent.w <= 0 || extent.h <= 0) fail("tile cannot extend outside image (an empty frame)");
  decodeLzw(bytes, p, lzwBits, interlace, data, width, extent, fail);
  return { width, height, mode, data, palette };
}

const GIFBITS = 12;
const GIFTABLE = 1 << GIFBITS;
/** ImageFile.load feeds a decoder the file in reads of this size. */
const MAXBLOCK = 65536;

/**
 * GifDecode.c: LZW codes from the data sub-blocks at `start` into `out` (one byte per pixel, `stride` per
 * row) over the frame's extent. Decoding ends when the frame is full. Pillow feeds the decoder the file in
 * 64 KiB reads: a sub-block is decoded once it is whole in what was read, and an end code before the frame is
 * full makes it read on; when there is nothing more to read, the file is truncated (so an end code ends a
 * small file with an error, and a large one only if the data after it runs out).
 */
function decodeLzw(
  bytes: Uint8Array,
  start: number,
  bits: number,
  interlaced: boolean,
  out: Uint8Array,
  stride: number,
  extent: { x0: number; y0: number; w: number; h: number },
  fail: (reason: string) => never,
): void {
  if (bits < 0 || bits > 12) fail(`decoder error: LZW code size ${bits}`);
  const clear = 1 << bits;
  const end = clear + 1;
  const data = new Uint8Array(GIFTABLE);
  const link = new Uint16Array(GIFTABLE);
  // a code's string, last pixel first from the end: GifDecode.c's buffer (4096) plus its first pixel
  const stack = new Uint8Array(GIFTABLE + 1);
  const { w: xsize, h: ysize } = extent;
  let interlace = interlaced ? 1 : 0;
  let step = interlaced ? 8 : 1;
  let x = 0;
  let y = 0;
  let row = (extent.y0 + y) * stride + extent.x0;

  /** NEWLINE: the next row (in interlace order); false when the frame is full. */
  const newline = (): boolean => {
    x = 0;
    y += step;
    while (y >= ysize) {
      if (interlace === 1) {
        y = 4;
        interlace = 2;
      } else if (interlace === 2) {
        step = 4;
        y = 2;
        interlace = 3;
      } else if (interlace === 3) {
        step = 2;
        y = 1;
        interlace = 0;
      } else return false;
    }
    row = (extent.y0 + y) * stride + extent.x0;
    return true;
  };

  let p = start;
  let read = Math.min(bytes.length, start + MAXBLOCK); // what ImageFile.load has read so far
  const readMore = () => {
    if (read >= bytes.length) fail("image file is truncated");
    read = Math.min(bytes.length, read + MAXBLOCK);
  };
  let blockLeft = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  let state = 1; // 1: (re)start after a clear; 2: first code; 3: decoding
  let next = 0;
  let codeSize = 0;
  let codeMask = 0;
  let lastData = 0;
  let lastCode = 0;
  for (;;) {
    if (state === 1) {
      next = clear + 2;
      codeSize = bits + 1;
      codeMask = (1 << codeSize) - 1;
      state = 2;
    }
    while (bitCount < codeSize) {
      if (blockLeft > 0) {
        bitBuffer |= bytes[p++] << bitCount;
        bitCount += 8;
        blockLeft--;
      } else {
        // a new sub-block, decoded only once it is whole in what was read
        if (p >= read || p + 1 + bytes[p] > read) {
          readMore();
          continue;
        }
        blockLeft = bytes[p++];
      }
    }
    let c = bitBuffer & codeMask;
    bitBuffer >>>= codeSize;
    bitCount -= codeSize;
    if (c === clear) {
      if (state !== 2) state = 1;
      continue;
    }
    if (c === end) {
      readMore(); // the call returns here; ImageFile.load reads on and calls again
      continue;
    }

    // the string of code c, last pixel first, into stack[top..]
    let top = GIFTABLE + 1;
    if (state === 2) {
      if (c > clear) fail("decoder error: broken LZW data");
      lastData = lastCode = c;
      stack[--top] = c;
      state = 3;
    } else {
      const thisCode = c;
      if (c > next) fail("decoder error: broken LZW data");
      if (c === next) {
        stack[--top] = lastData;
        c = lastCode;
      }
      while (c >= clear) {
        if (top <= 1 || c >= GIFTABLE) fail("decoder error: broken LZW data");
        stack[--top] = data[c];
        c = link[c];
      }
      lastData = c;
      stack[--top] = c;
      if (next < GIFTABLE) {
        data[next] = c;
        link[next] = lastCode;
        if (next === codeMask && codeSize < GIFBITS) {
          codeSize++;
          codeMask = (1 << codeSize) - 1;
        }
        next++;
      }
      lastCode = thisCode;
    }
    if (y >= ysize) fail("decoder error: image data overrun");
    for (let i = top; i <= GIFTABLE; i++) {
      out[row + x] = stack[i];
      if (++x >= xsize && !newline()) return;
    }
  }
}
