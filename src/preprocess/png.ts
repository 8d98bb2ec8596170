// PNG decoding that gives what Pillow 9.4's `Image.open(f)` + `load()` gives: the same mode per colour
// type/bit depth, the same pixels, and the same leniency (IDAT CRCs and trailing data are not checked, a
// stream ending on a row boundary leaves the rest black) and strictness (CRCs of header chunks, truncation).
// Pure TypeScript over Uint8Array; pixels are inflated by ./inflate.ts so no node:zlib is needed.

import { ImageDecodeError } from "./errors.js";
import { DEFAULT_MAX_PIXELS, type DecodedImage, type ImageMode } from "./image.js";
import { crc32 } from "./crc32.js";
import { inflate } from "./inflate.js";

export interface PngDecodeOptions {
  /** Name used in error messages (file path). */
  source?: string;
  /** Refuse images with more pixels than this, from the IHDR, before inflating anything. */
  maxPixels?: number;
}

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Pillow's PngImagePlugin._MODES: (bit depth, colour type) -> (mode, rawmode). */
const MODES: Record<string, [ImageMode, string]> = {
  "1,0": ["1", "1"],
  "2,0": ["L", "L;2"],
  "4,0": ["L", "L;4"],
  "8,0": ["L", "L"],
  "16,0": ["I", "I;16B"],
  "8,2": ["RGB", "RGB"],
  "16,2": ["RGB", "RGB;16B"],
  "1,3": ["P", "P;1"],
  "2,3": ["P", "P;2"],
  "4,3": ["P", "P;4"],
  "8,3": ["P", "P"],
  "8,4": ["LA", "LA"],
  "16,4": ["RGBA", "LA;16B"],
  "8,6": ["RGBA", "RGBA"],
  "16,6": ["RGBA", "RGBA;16B"],
};

/** Bits per pixel in the file for each rawmode. */
const RAW_BITS: Record<string, number> = {
  "1": 1,
  "L;2": 2,
  "L;4": 4,
  L: 8,
  "I;16B": 16,
  RGB: 24,
  "RGB;16B": 48,
  "P;1": 1,
  "P;2": 2,
  "P;4": 4,
  P: 8,
  LA: 16,
  "LA;16B": 32,
  RGBA: 32,
  "RGBA;16B": 64,
};

/** Pillow caps decompressed text/ICC chunks at ImageFile.SAFEBLOCK (1 MB) and all text at 64 of them. */
const MAX_TEXT_CHUNK = 1024 * 1024;
const MAX_TEXT_MEMORY = 64 * MAX_TEXT_CHUNK;
/** ImageFile.decodermaxblock: Pillow feeds the decoder at most this many bytes of one IDAT chunk at a time. */
const DECODER_MAX_BLOCK = 65536;

const u32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

interface Chunk {
  type: string;
  /** Offset of the chunk data. */
  start: number;
  length: number;
}

/** Chunk-level problems Pillow raises on (SyntaxError / struct.error / OSError / ValueError in its reader). */
class PngFormatError extends Error {}

/** What Pillow keeps in `im.info` that matters here. */
interface PngInfo {
  interlaced: boolean;
  exif?: Uint8Array;
  rawProfileExif?: string;
  xmp?: string;
  textMemory: number;
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function decompressText(data: Uint8Array): Uint8Array | undefined {
  // Pillow's _safe_zlib_decompress: more than MAX_TEXT_CHUNK is an error, a zlib error gives "" (here undefined).
  const r = inflate(data, { limit: MAX_TEXT_CHUNK + 1 });
  if (r.produced > MAX_TEXT_CHUNK) throw new PngFormatError("Decompressed Data Too Large");
  if (r.error || !r.streamEnd) return undefined;
  return r.output.subarray(0, r.produced);
}

/** Reads a chunk header at `pos`; null where Pillow's ChunkStream.read would raise. */
function readChunkHeader(bytes: Uint8Array, pos: number): Chunk | "short" | "badtype" {
  if (pos + 8 > bytes.length) return "short";
  const type = latin1(bytes.subarray(pos + 4, pos + 8));
  if (!/^[A-Za-z0-9_]{4}$/.test(type)) return "badtype";
  return { type, start: pos + 8, length: u32(bytes, pos) };
}

/** Chunk data as _safe_read gives it: all of it or a "Truncated File Read" error. */
function chunkData(bytes: Uint8Array, c: Chunk): Uint8Array {
  if (c.start + c.length > bytes.length) throw new PngFormatError("truncated chunk data (Truncated File Read)");
  return bytes.subarray(c.start, c.start + c.length);
}

interface Header {
  width: number;
  height: number;
  mode?: ImageMode;
  rawmode?: string;
}

/** The chunk handlers of Pillow's PngStream for the chunks that change what we return. */
function handleChunk(bytes: Uint8Array, c: Chunk, header: Header, info: PngInfo, palette: { data?: Uint8Array }): void {
  const text = (key: string, value: string, raw?: Uint8Array) => {
    if (key === "exif") info.exif = raw ?? Uint8Array.from(value, (ch) => ch.charCodeAt(0) & 0xff);
    if (key === "Raw profile type exif") info.rawProfileExif = value;
    if (key === "XML:com.adobe.xmp") info.xmp = value;
    info.textMemory += value.length;
    if (info.textMemory > MAX_TEXT_MEMORY) throw new PngFormatError("Too much memory used in text chunks");
  };
  switch (c.type) {
    case "IHDR": {
      const s = chunkData(bytes, c);
      if (s.length < 13) throw new PngFormatError("Truncated IHDR chunk");
      header.width = u32(s, 0);
      header.height = u32(s, 4);
      const mode = MODES[`${s[8]},${s[9]}`];
      header.mode = mode?.[0];
      header.rawmode = mode?.[1];
      if (s[12]) info.interlaced = true;
      if (s[11]) throw new PngFormatError("unknown filter category");
      return;
    }
    case "PLTE": {
      const s = chunkData(bytes, c);
      if (header.mode === "P") palette.data = s;
      return;
    }
    case "gAMA":
      if (chunkData(bytes, c).length < 4) throw new PngFormatError("truncated gAMA chunk");
      return;
    case "sRGB":
      if (chunkData(bytes, c).length < 1) throw new PngFormatError("Truncated sRGB chunk");
      return;
    case "pHYs":
      if (chunkData(bytes, c).length < 9) throw new PngFormatError("Truncated pHYs chunk");
      return;
    case "acTL":
    case "fcTL":
      if (chunkData(bytes, c).length < (c.type === "acTL" ? 8 : 26))
        throw new PngFormatError(`truncated ${c.type} chunk`);
      return;
    case "iCCP": {
      const s = chunkData(bytes, c);
      const i = s.indexOf(0);
      // i = -1 reads s[-1] in Python: the last byte.
      const method = i < 0 ? s[s.length - 1] : s[i + 1];
      if (method !== 0) throw new PngFormatError(`Unknown compression method ${method} in iCCP chunk`);
      decompressText(s.subarray(i + 2));
      return;
    }
    case "eXIf": {
      info.exif = chunkData(bytes, c).slice();
      return;
    }
    case "tEXt": {
      const s = chunkData(bytes, c);
      const i = s.indexOf(0);
      const k = i < 0 ? s : s.subarray(0, i);
      const v = i < 0 ? new Uint8Array(0) : s.subarray(i + 1);
      if (k.length) text(latin1(k), latin1(v), v.slice());
      return;
    }
    case "zTXt": {
      const s = chunkData(bytes, c);
      const i = s.indexOf(0);
      const k = i < 0 ? s : s.subarray(0, i);
      const v = i < 0 ? new Uint8Array(0) : s.subarray(i + 1);
      const method = v.length ? v[0] : 0;
      if (method !== 0) throw new PngFormatError(`Unknown compression method ${method} in zTXt chunk`);
      const plain = decompressText(v.subarray(1)) ?? new Uint8Array(0);
      if (k.length) text(latin1(k), latin1(plain));
      return;
    }
    case "iTXt": {
      const s = chunkData(bytes, c);
      const i = s.indexOf(0);
      if (i < 0 || s.length - (i + 1) < 2) return;
      const k = s.subarray(0, i);
      const compressed = s[i + 1];
      const method = s[i + 2];
      const rest = s.subarray(i + 3);
      const j = rest.indexOf(0);
      const l = j < 0 ? -1 : rest.indexOf(0, j + 1);
      if (j < 0 || l < 0) return;
      let v: Uint8Array | undefined = rest.subarray(l + 1);
      if (compressed !== 0) {
        if (method !== 0) return;
        v = decompressText(v);
        if (!v) return;
      }
      let value: string;
      try {
        const utf8 = new TextDecoder("utf-8", { fatal: true });
        utf8.decode(rest.subarray(0, j));
        utf8.decode(rest.subarray(j + 1, l));
        value = utf8.decode(v);
      } catch {
        return;
      }
      text(latin1(k), value);
      return;
    }
    default:
      // Other chunks are read (and must be complete) but change nothing here.
      chunkData(bytes, c);
  }
}

/** Decodes a PNG file into Pillow's mode and pixels. Throws ImageDecodeError naming `source`. */
export function decodePng(bytes: Uint8Array, options: PngDecodeOptions = {}): DecodedImage {
  const source = options.source ?? "<png>";
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  try {
    return decode(bytes, source, maxPixels);
  } catch (e) {
    if (e instanceof PngFormatError) throw new ImageDecodeError(source, `invalid PNG: ${e.message}`);
    throw e;
  }
}

function decode(bytes: Uint8Array, source: string, maxPixels: number): DecodedImage {
  if (!isPng(bytes)) throw new ImageDecodeError(source, "not a PNG file (bad signature)");
  const header: Header = { width: 0, height: 0 };
  const info: PngInfo = { interlaced: false, textMemory: 0 };
  const palette: { data?: Uint8Array } = {};

  // Open: every chunk up to the first IDAT, each CRC-checked (PngImageFile._open).
  let pos = 8;
  let firstIdat: Chunk | undefined;
  for (;;) {
    const c = readChunkHeader(bytes, pos);
    if (c === "short") throw new PngFormatError("truncated before the image data");
    if (c === "badtype") throw new PngFormatError(`broken PNG file (bad chunk type at byte ${pos})`);
    if (c.type === "IDAT") {
      firstIdat = c;
      break;
    }
    if (c.type === "IEND") break;
    handleChunk(bytes, c, header, info, palette);
    const crcAt = c.start + c.length;
    if (crcAt + 4 > bytes.length) throw new PngFormatError(`incomplete checksum in ${c.type}`);
    if (crc32(bytes, pos + 4, crcAt) !== u32(bytes, crcAt)) {
      throw new PngFormatError(`bad header checksum in ${c.type}`);
    }
    pos = crcAt + 4;
  }
  const { width, height, mode, rawmode } = header;
  if (!mode || !rawmode) throw new PngFormatError("missing IHDR or unsupported bit depth / colour type");
  if (width <= 0 || height <= 0) throw new PngFormatError(`invalid size ${width}x${height}`);
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      source,
      `image is ${width}x${height} = ${width * height} pixels, above the limit of ${maxPixels} (maxPixels)`,
    );
  }
  if (!firstIdat) throw new ImageDecodeError(source, "PNG has no image data (no IDAT chunk before IEND)");

  // Load: the IDAT stream is the run of consecutive IDAT chunks, fed in blocks of at most 64 KiB.
  const bits = RAW_BITS[rawmode];
  const passes = adam7Passes(width, height, info.interlaced);
  let total = 0;
  for (const p of passes) total += p.rows * (rowBytes(p.width, bits) + 1);
  const idat = collectIdat(bytes, firstIdat);
  // Rows are unfiltered and unpacked as they are inflated: the raw stream (up to 8 bytes a pixel) is never held.
  const rows = new RowDecoder(passes, width, height, mode, rawmode, bits, source);
  const z = inflate(idat.data, {
    limit: total,
    lookaheadEnd: (bit) => {
      const byte = Math.ceil(bit / 8);
      return idat.blockEnds.find((end) => end >= byte) ?? idat.data.length;
    },
    onOutput: (window, base, end) => rows.consume(window, base, end),
    windowBytes: 65536 + 2 * (rowBytes(width, bits) + 1),
  });
  if (z.error) throw new ImageDecodeError(source, `broken PNG image data (zlib: ${z.error})`);
  if (z.produced < total) {
    if (!z.streamEnd || !endsOnRow(z.produced, passes, bits)) {
      const why = idat.stop === "badtype" ? "a broken chunk follows the image data" : "image data is truncated";
      throw new ImageDecodeError(source, `${why} (${z.produced} of ${total} bytes)`);
    }
    // The stream ended exactly after a whole row: Pillow stops there and leaves the remaining rows black.
  }
  const pixels = rows.out;

  // load_end: the chunks after the image data (no CRC checks) can still add EXIF or XMP.
  readTrailingChunks(bytes, idat.endOfLastUsed(z.bitPosition), header, info, palette);

  const image: DecodedImage = { width, height, mode, data: pixels };
  if (mode === "P")
    image.palette = palette.data ? palette.data.slice(0, Math.floor(palette.data.length / 3) * 3) : undefined;
  const exif = exifBytes(info);
  if (exif) image.exif = exif;
  if (info.xmp !== undefined) image.xmp = info.xmp;
  return image;
}

interface IdatStream {
  data: Uint8Array;
  /** Ends (offsets in `data`) of the blocks Pillow hands its decoder: chunk ends and every 64 KiB within a chunk. */
  blockEnds: number[];
  /** Why the run of IDAT chunks ended. */
  stop: "chunk" | "short" | "badtype";
  /** File offset just after the data of the chunk holding data offset `bit / 8`. */
  endOfLastUsed(bit: number): number;
}

function collectIdat(bytes: Uint8Array, first: Chunk): IdatStream {
  const parts: Uint8Array[] = [];
  const blockEnds: number[] = [];
  const chunkEnds: { dataEnd: number; fileEnd: number }[] = [];
  let total = 0;
  let c: Chunk = first;
  let stop: IdatStream["stop"];
  for (;;) {
    // A chunk cut short by the end of the file just gives less data (Pillow's fp.read returns what is there).
    const end = Math.min(c.start + c.length, bytes.length);
    const part = bytes.subarray(Math.min(c.start, bytes.length), end);
    for (let off = DECODER_MAX_BLOCK; off < part.length; off += DECODER_MAX_BLOCK) blockEnds.push(total + off);
    total += part.length;
    if (part.length) blockEnds.push(total);
    parts.push(part);
    chunkEnds.push({ dataEnd: total, fileEnd: c.start + c.length });
    const next = readChunkHeader(bytes, c.start + c.length + 4);
    if (next === "short" || next === "badtype") {
      stop = next;
      break;
    }
    if (next.type !== "IDAT") {
      stop = "chunk";
      break;
    }
    c = next;
  }
  const data = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.length;
  }
  return {
    data,
    blockEnds,
    stop,
    endOfLastUsed(bit: number) {
      const byte = Math.max(Math.ceil(bit / 8), 1);
      return (chunkEnds.find((e) => e.dataEnd >= byte) ?? chunkEnds[chunkEnds.length - 1]).fileEnd;
    },
  };
}

/** PngImageFile.load_end: handlers run without CRC checks until IEND, the end of the file or a bad header. */
function readTrailingChunks(
  bytes: Uint8Array,
  dataEnd: number,
  header: Header,
  info: PngInfo,
  palette: { data?: Uint8Array },
) {
  let pos = dataEnd + 4;
  // The header and palette are already fixed for the image; later chunks may only add metadata.
  const frozen: Header = { ...header };
  const ignoredPalette = {};
  for (;;) {
    const c = readChunkHeader(bytes, pos);
    if (c === "short" || c === "badtype" || c.type === "IEND") return;
    if (c.type === "IDAT" || c.type === "fdAT") chunkData(bytes, c);
    else handleChunk(bytes, c, frozen, info, c.type === "PLTE" ? ignoredPalette : palette);
    pos = c.start + c.length + 4;
  }
}

/** The EXIF block Pillow's getexif would load: eXIf / tEXt "exif", else the hex "Raw profile type exif". */
function exifBytes(info: PngInfo): Uint8Array | undefined {
  let data = info.exif;
  if (!data && info.rawProfileExif !== undefined) {
    const hex = info.rawProfileExif.split("\n").slice(3).join("").replace(/\s+/g, "");
    if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) return undefined;
    data = new Uint8Array(hex.length / 2);
    for (let i = 0; i < data.length; i++) data[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  if (!data) return undefined;
  const prefix = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  const d = data;
  if (d.length >= 6 && prefix.every((b, i) => d[i] === b)) data = d.subarray(6);
  return data.length ? data : undefined;
}

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  rows: number;
}

function adam7Passes(width: number, height: number, interlaced: boolean): Pass[] {
  if (!interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, width, rows: height }];
  const spec = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  const passes: Pass[] = [];
  for (const [x0, y0, dx, dy] of spec) {
    const w = x0 < width ? Math.ceil((width - x0) / dx) : 0;
    const rows = y0 < height ? Math.ceil((height - y0) / dy) : 0;
    if (w > 0 && rows > 0) passes.push({ x0, y0, dx, dy, width: w, rows });
  }
  return passes;
}

const rowBytes = (pixels: number, bits: number) => Math.ceil((pixels * bits) / 8);

function endsOnRow(produced: number, passes: Pass[], bits: number): boolean {
  let at = 0;
  for (const p of passes) {
    const stride = rowBytes(p.width, bits) + 1;
    if (produced <= at + p.rows * stride) return (produced - at) % stride === 0;
    at += p.rows * stride;
  }
  return produced === at;
}

/** Reverses the PNG filters row by row, as the inflated bytes arrive, and stores pixels the way Pillow's unpackers do. */
class RowDecoder {
  readonly out: Uint8Array | Int32Array;
  private readonly channels: number;
  private readonly bpp: number;
  private pass = 0;
  private row = 0;
  /** Absolute offset (in the inflated stream) of the next row's filter byte. */
  private at = 0;
  private prev: Uint8Array;
  private cur: Uint8Array;

  constructor(
    private readonly passes: Pass[],
    private readonly width: number,
    height: number,
    mode: ImageMode,
    private readonly rawmode: string,
    private readonly bits: number,
    private readonly source: string,
  ) {
    this.channels =
      mode === "I" || mode === "1" || mode === "L" || mode === "P" ? 1 : mode === "LA" ? 2 : mode === "RGB" ? 3 : 4;
    this.out = mode === "I" ? new Int32Array(width * height) : new Uint8Array(width * height * this.channels);
    this.bpp = Math.max(1, bits >> 3); // filter byte distance: (bits + 7) / 8
    const widest = Math.max(0, ...passes.map((p) => rowBytes(p.width, bits)));
    this.prev = new Uint8Array(widest);
    this.cur = new Uint8Array(widest);
  }

  /** Decodes every complete row in window[at - base, end - base); returns how far the stream is consumed. */
  consume(window: Uint8Array, base: number, end: number): number {
    while (this.pass < this.passes.length) {
      const p = this.passes[this.pass];
      const len = rowBytes(p.width, this.bits);
      if (this.at + len + 1 > end) break;
      const filter = window[this.at - base];
      const cur = this.cur.subarray(0, len);
      cur.set(window.subarray(this.at - base + 1, this.at - base + 1 + len));
      this.at += len + 1;
      unfilterRow(cur, this.prev.subarray(0, len), filter, this.bpp, this.source);
      unpackRow(this.out, cur, p, this.row, this.width, this.channels, this.rawmode);
      [this.prev, this.cur] = [this.cur, this.prev];
      if (++this.row === p.rows) {
        this.pass++;
        this.row = 0;
        this.prev.fill(0); // each pass starts with an all-zero previous row
      }
    }
    return this.at;
  }
}

function unfilterRow(cur: Uint8Array, prev: Uint8Array, filter: number, bpp: number, source: string): void {
  const n = cur.length;
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) cur[i] = (cur[i] + cur[i - bpp]) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) cur[i] = (cur[i] + prev[i]) & 0xff;
      return;
    case 3:
      for (let i = 0; i < n; i++) cur[i] = (cur[i] + (((i >= bpp ? cur[i - bpp] : 0) + prev[i]) >> 1)) & 0xff;
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? cur[i - bpp] : 0;
        const b = prev[i];
        const c = i >= bpp ? prev[i - bpp] : 0;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        cur[i] = (cur[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw new ImageDecodeError(source, `broken PNG image data (unknown row filter type ${filter})`);
  }
}

/** One decoded row of a pass into the image, as Pillow's unpacker for `rawmode` writes it. */
function unpackRow(
  out: Uint8Array | Int32Array,
  row: Uint8Array,
  p: Pass,
  r: number,
  width: number,
  channels: number,
  rawmode: string,
): void {
  const y = p.y0 + r * p.dy;
  for (let i = 0; i < p.width; i++) {
    const o = (y * width + p.x0 + i * p.dx) * channels;
    switch (rawmode) {
      case "1":
        out[o] = (row[i >> 3] >> (7 - (i & 7))) & 1 ? 255 : 0;
        break;
      case "P;1":
        out[o] = (row[i >> 3] >> (7 - (i & 7))) & 1;
        break;
      case "L;2":
      case "P;2": {
        const v = (row[i >> 2] >> (6 - 2 * (i & 3))) & 3;
        out[o] = rawmode === "L;2" ? v * 0x55 : v;
        break;
      }
      case "L;4":
      case "P;4": {
        const v = (row[i >> 1] >> (4 - 4 * (i & 1))) & 15;
        out[o] = rawmode === "L;4" ? v * 0x11 : v;
        break;
      }
      case "L":
      case "P":
        out[o] = row[i];
        break;
      case "I;16B":
        out[o] = (row[2 * i] << 8) | row[2 * i + 1];
        break;
      case "RGB":
        out[o] = row[3 * i];
        out[o + 1] = row[3 * i + 1];
        out[o + 2] = row[3 * i + 2];
        break;
      case "RGB;16B": // Pillow keeps the high byte of each 16-bit sample
        out[o] = row[6 * i];
        out[o + 1] = row[6 * i + 2];
        out[o + 2] = row[6 * i + 4];
        break;
      case "LA":
        out[o] = row[2 * i];
        out[o + 1] = row[2 * i + 1];
        break;
      case "LA;16B": // 16-bit grey+alpha opens as RGBA in Pillow 9.4
        out[o] = out[o + 1] = out[o + 2] = row[4 * i];
        out[o + 3] = row[4 * i + 2];
        break;
      case "RGBA":
        for (let c = 0; c < 4; c++) out[o + c] = row[4 * i + c];
        break;
      case "RGBA;16B":
        for (let c = 0; c < 4; c++) out[o + c] = row[8 * i + 2 * c];
        break;
    }
  }
}
