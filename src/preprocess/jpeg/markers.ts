// Marker-segment parsers (ITU T.81 annex B), validating exactly what libjpeg-turbo's jdmarker.c validates so the
// files it refuses are refused here too. Each parser reads from a Cursor that never runs past the data.

import { JpegError, TRUNCATED } from "./error.js";
import { layoutFrame, type Component, type Frame, type Scan } from "./frame.js";
import { NATURAL_ORDER } from "./tables.js";

export interface Cursor {
  data: Uint8Array;
  pos: number;
  source: string;
}

export function readByte(cur: Cursor): number {
  if (cur.pos >= cur.data.length) throw new JpegError(cur.source, TRUNCATED);
  return cur.data[cur.pos++];
}

export function readUint16(cur: Cursor): number {
  const hi = readByte(cur);
  return (hi << 8) | readByte(cur);
}

/** Skip `count` bytes of a segment; running off the end is a truncated file, as with Pillow's suspending source. */
export function skipBytes(cur: Cursor, count: number): void {
  if (count <= 0) return;
  if (cur.pos + count > cur.data.length) throw new JpegError(cur.source, TRUNCATED);
  cur.pos += count;
}

/** libjpeg's next_marker: skip anything up to 0xFF, fill bytes, and stuffed 0xFF00 pairs; return the marker code. */
export function nextMarker(cur: Cursor): number {
  for (;;) {
    let c = readByte(cur);
    while (c !== 0xff) c = readByte(cur);
    do c = readByte(cur);
    while (c === 0xff);
    if (c !== 0) return c;
  }
}

export interface HuffmanSpec {
  /** bits[l] = number of codes of length l, l = 1..16 (index 0 unused). */
  bits: Uint8Array;
  values: Uint8Array;
}

export function readQuantTables(cur: Cursor, tables: (Uint16Array | null)[]): void {
  let length = readUint16(cur) - 2;
  while (length > 0) {
    const pq = readByte(cur);
    const precision16 = pq >> 4 !== 0;
    const slot = pq & 15;
    if (slot >= 4) throw new JpegError(cur.source, `bogus DQT index ${slot}`);
    const table = new Uint16Array(64);
    for (let i = 0; i < 64; i++) table[NATURAL_ORDER[i]] = precision16 ? readUint16(cur) : readByte(cur);
    tables[slot] = table;
    length -= precision16 ? 129 : 65;
  }
  if (length !== 0) throw new JpegError(cur.source, "bogus DQT marker length");
}

export function readHuffmanTables(cur: Cursor, dc: (HuffmanSpec | null)[], ac: (HuffmanSpec | null)[]): void {
  let length = readUint16(cur) - 2;
  while (length > 16) {
    const index = readByte(cur);
    const bits = new Uint8Array(17);
    let count = 0;
    for (let i = 1; i <= 16; i++) {
      bits[i] = readByte(cur);
      count += bits[i];
    }
    length -= 17;
    if (count > 256 || count > length) throw new JpegError(cur.source, "bogus Huffman table definition");
    const values = new Uint8Array(256);
    for (let i = 0; i < count; i++) values[i] = readByte(cur);
    length -= count;
    const isAc = (index & 0x10) !== 0;
    const slot = index & ~0x10;
    if (slot >= 4) throw new JpegError(cur.source, `bogus DHT index ${slot}`);
    (isAc ? ac : dc)[slot] = { bits, values };
  }
  if (length !== 0) throw new JpegError(cur.source, "bogus DHT marker length");
}

export function readRestartInterval(cur: Cursor): number {
  if (readUint16(cur) !== 4) throw new JpegError(cur.source, "bogus DRI marker length");
  return readUint16(cur);
}

/** Arithmetic-coding conditioning (DAC): DC lower/upper bounds and AC Kx per table slot. */
export interface ArithConditioning {
  dcL: Uint8Array;
  dcU: Uint8Array;
  acK: Uint8Array;
}

export function defaultConditioning(): ArithConditioning {
  return { dcL: new Uint8Array(16), dcU: new Uint8Array(16).fill(1), acK: new Uint8Array(16).fill(5) };
}

export function readArithConditioning(cur: Cursor, cond: ArithConditioning): void {
  let length = readUint16(cur) - 2;
  while (length > 0) {
    const index = readByte(cur);
    const value = readByte(cur);
    length -= 2;
    if (index >= 32) throw new JpegError(cur.source, `bogus DAC index ${index}`);
    if (index >= 16) {
      cond.acK[index - 16] = value;
    } else {
      cond.dcL[index] = value & 15;
      cond.dcU[index] = value >> 4;
      if (cond.dcL[index] > cond.dcU[index]) throw new JpegError(cur.source, `bogus DAC value 0x${value.toString(16)}`);
    }
  }
  if (length !== 0) throw new JpegError(cur.source, "bogus DAC marker length");
}

const MAX_DIMENSION = 65500;
/**
 * Arithmetic decoding costs ~4 binary decisions a pixel, whatever the data (a 466-byte file declaring 16 M pixels
 * decodes its zero-filled remainder for 7 s on a busy machine), several times Huffman's cost: above 2^23 pixels
 * (about 2900 x 2900) an arithmetic-coded JPEG is refused, where Pillow would decode it; such files are all but unknown.
 */
export const MAX_ARITHMETIC_PIXELS = 1 << 23;

export function readFrame(cur: Cursor, marker: number, maxPixels: number): Frame {
  const length = readUint16(cur);
  const precision = readByte(cur);
  const height = readUint16(cur);
  const width = readUint16(cur);
  const count = readByte(cur);
  const src = cur.source;
  if (height <= 0 || width <= 0 || count <= 0) throw new JpegError(src, `empty JPEG image (${width}x${height})`);
  if (length - 8 !== count * 3) throw new JpegError(src, "bogus SOF marker length");
  const components: Component[] = [];
  for (let index = 0; index < count; index++) {
    const id = readByte(cur);
    const hv = readByte(cur);
    const quantSlot = readByte(cur);
    components.push({
      id,
      index,
      h: (hv >> 4) & 15,
      v: hv & 15,
      quantSlot,
      quant: null,
      width: 0,
      height: 0,
      widthInBlocks: 0,
      heightInBlocks: 0,
      blocksPerLine: 0,
      blocksPerColumn: 0,
      coefs: new Int16Array(0),
    });
  }
  // The checks of jdinput.c initial_setup, plus the layer counts Pillow accepts.
  if (precision !== 8) throw new JpegError(src, `cannot handle ${precision}-bit JPEG (only 8-bit is supported)`);
  if (height > MAX_DIMENSION || width > MAX_DIMENSION) {
    throw new JpegError(src, `maximum supported image dimension is ${MAX_DIMENSION} pixels (got ${width}x${height})`);
  }
  if (count !== 1 && count !== 3 && count !== 4) throw new JpegError(src, `cannot handle ${count}-layer images`);
  for (const c of components) {
    if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4) throw new JpegError(src, `bogus sampling factors ${c.h}x${c.v}`);
  }
  if (width * height > maxPixels) {
    throw new JpegError(src, `image size (${width * height} pixels) exceeds limit of ${maxPixels} pixels`);
  }
  const arithmetic = marker === 0xc9 || marker === 0xca;
  if (arithmetic && width * height > MAX_ARITHMETIC_PIXELS) {
    throw new JpegError(
      src,
      `arithmetic-coded image of ${width * height} pixels exceeds the limit of ${MAX_ARITHMETIC_PIXELS} for arithmetic coding`,
    );
  }
  const frame: Frame = {
    progressive: marker === 0xc2 || marker === 0xca,
    arithmetic,
    width,
    height,
    components,
    maxH: 1,
    maxV: 1,
    mcusPerLine: 0,
    mcusPerColumn: 0,
  };
  layoutFrame(frame);
  return frame;
}

export function readScanHeader(cur: Cursor, frame: Frame): Scan {
  const length = readUint16(cur);
  const n = readByte(cur);
  const src = cur.source;
  if (length !== n * 2 + 6 || n < 1 || n > 4) throw new JpegError(src, "bogus SOS marker length");
  const scan: Scan = { components: [], dcTableSlots: [], acTableSlots: [], ss: 0, se: 0, ah: 0, al: 0 };
  for (let i = 0; i < n; i++) {
    const id = readByte(cur);
    const tables = readByte(cur);
    // jdmarker.c get_sos tests "is scan slot ci still empty" with the *frame* index ci, so it only accepts the first
    // four frame components and, in effect, scans that list them in frame order; replicate it literally.
    const component = frame.components.find((c, ci) => ci < 4 && c.id === id && scan.components[ci] === undefined);
    if (!component || scan.components.includes(component))
      throw new JpegError(src, `invalid component ID ${id} in SOS`);
    scan.components.push(component);
    scan.dcTableSlots.push(tables >> 4);
    scan.acTableSlots.push(tables & 15);
  }
  scan.ss = readByte(cur);
  scan.se = readByte(cur);
  const a = readByte(cur);
  scan.ah = a >> 4;
  scan.al = a & 15;
  return scan;
}
