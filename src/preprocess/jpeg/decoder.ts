// The marker-level state machine of a JPEG decoder, following libjpeg-turbo's jdmarker.c / jdinput.c: tables
// and APPn segments between scans, one entropy decoder per scan, and the end-of-image rules that decide whether
// Pillow (libjpeg behind a suspending data source) accepts the file.

import { ArithmeticDecoder } from "./arithmetic.js";
import { BitReader } from "./bitreader.js";
import { JpegError, TRUNCATED } from "./error.js";
import type { Frame } from "./frame.js";
import { buildHuffmanTable, standardHuffmanSpecs, type HuffmanTable } from "./huffman.js";
import {
  defaultConditioning,
  nextMarker,
  readArithConditioning,
  readFrame,
  readHuffmanTables,
  readQuantTables,
  readRestartInterval,
  readScanHeader,
  readUint16,
  skipBytes,
  type Cursor,
  type HuffmanSpec,
} from "./markers.js";
import { decodeScanMcus, mcuLayout, type McuDecoder } from "./scan.js";
import { ProgressiveHuffmanDecoder } from "./progressive.js";
import { Progression } from "./progression.js";
import { SequentialHuffmanDecoder } from "./sequential.js";

export interface DecodeOptions {
  maxPixels: number;
  source: string;
  allowTruncated: boolean;
}

export interface ParsedJpeg {
  frame: Frame;
  /** Transform flag of an Adobe APP14 segment, or -1 without one. */
  adobeTransform: number;
  sawJfif: boolean;
  progression: Progression | null;
  exif?: Uint8Array;
  xmp?: string;
}

/**
 * Most scans one image may have: TurboJPEG's limit (TJFLAG_LIMITSCANS / TJPARAM_SCANLIMIT, 500) against the
 * progressive-JPEG exploit of repeating a scan many thousands of times. Real encoders write at most ~20.
 */
export const MAX_SCANS = 500;
/**
 * A work budget besides: all scans together may visit each coefficient of the image at most 16 times (a typical
 * progressive script visits it about 3 times). 500 scans over a 16-megapixel image would take a minute; this
 * bounds decoding time by the image size, which maxPixels bounds.
 */
export const MAX_COEFFICIENT_PASSES = 16;

const EXIF_HEADER = "Exif\0\0";
const XMP_HEADER = "http://ns.adobe.com/xap/1.0/\0";

function startsWith(data: Uint8Array, offset: number, end: number, text: string): boolean {
  if (end - offset < text.length) return false;
  for (let i = 0; i < text.length; i++) if (data[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

export class JpegDecoder {
  private readonly cur: Cursor;
  private readonly quant: (Uint16Array | null)[] = [null, null, null, null];
  private readonly dcSpecs: (HuffmanSpec | null)[] = [null, null, null, null];
  private readonly acSpecs: (HuffmanSpec | null)[] = [null, null, null, null];
  private conditioning = defaultConditioning();
  private restartInterval = 0;
  private adobeTransform = -1;
  private sawJfif = false;
  private exif?: Uint8Array;
  private xmp?: string;
  private frame: Frame | null = null;
  private progression: Progression | null = null;
  private scans = 0;
  /** Coefficient visits of the scans so far, against MAX_COEFFICIENT_PASSES. */
  private work = 0;
  private multiScan = false;
  private nextRestart = 0;
  /** Marker already read by the entropy decoder, processed next (libjpeg's unread_marker). */
  private pending = 0;

  constructor(
    data: Uint8Array,
    private readonly options: DecodeOptions,
  ) {
    this.cur = { data, pos: 0, source: options.source };
  }

  private fail(message: string): never {
    throw new JpegError(this.options.source, message);
  }

  /** Read the next marker, or report the end of the file: null when the data ends first. */
  private marker(): number | null {
    if (this.pending !== 0) {
      const m = this.pending;
      this.pending = 0;
      return m;
    }
    try {
      return nextMarker(this.cur);
    } catch (e) {
      if (e instanceof JpegError && e.message.endsWith(TRUNCATED)) return null;
      throw e;
    }
  }

  decode(): ParsedJpeg {
    const data = this.cur.data;
    if (data.length < 3 || data[0] !== 0xff || data[1] !== 0xd8 || data[2] !== 0xff) this.fail("not a JPEG file");
    this.cur.pos = 2;
    let complete = false;
    for (;;) {
      let m = this.marker();
      if (m === null) {
        // End of data before EOI. A single-scan image is complete once its scan is; anything else needs EOI,
        // which Pillow's LOAD_TRUNCATED_IMAGES supplies.
        if (complete && !this.multiScan) break;
        if (!this.options.allowTruncated) this.fail(TRUNCATED);
        m = 0xd9;
      }
      if (m === 0xd9) {
        if (!this.frame) this.fail("no image in file (EOI before SOF)");
        if (this.scans === 0) this.fail("no image data in file (EOI before SOS)");
        break;
      }
      this.segment(m);
      if (m === 0xda) complete = true;
    }
    const frame = this.frame;
    if (!frame) this.fail("no image in file");
    return {
      frame,
      adobeTransform: this.adobeTransform,
      sawJfif: this.sawJfif,
      progression: this.progression,
      exif: this.exif,
      xmp: this.xmp,
    };
  }

  private segment(m: number): void {
    const cur = this.cur;
    switch (m) {
      case 0xd8:
        this.fail("invalid JPEG file structure: two SOI markers");
        break;
      case 0xc0:
      case 0xc1:
      case 0xc2:
      case 0xc9:
      case 0xca:
        if (this.frame) this.fail("invalid JPEG file structure: two SOF markers");
        this.frame = readFrame(cur, m, this.options.maxPixels);
        break;
      case 0xc3:
      case 0xc5:
      case 0xc6:
      case 0xc7:
      case 0xc8:
      case 0xcb:
      case 0xcd:
      case 0xce:
      case 0xcf:
        this.fail(`unsupported JPEG process: SOF type 0x${m.toString(16)} (lossless or hierarchical)`);
        break;
      case 0xc4:
        readHuffmanTables(cur, this.dcSpecs, this.acSpecs);
        break;
      case 0xcc:
        readArithConditioning(cur, this.conditioning);
        break;
      case 0xdb:
        readQuantTables(cur, this.quant);
        break;
      case 0xdd:
        this.restartInterval = readRestartInterval(cur);
        break;
      case 0xda:
        this.startScan();
        break;
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0x01:
        break;
      case 0xdc: {
        // DNL: libjpeg skips it.
        skipBytes(cur, readUint16(cur) - 2);
        break;
      }
      case 0xfe:
        skipBytes(cur, readUint16(cur) - 2);
        break;
      default:
        if (m >= 0xe0 && m <= 0xef) this.application(m);
        else this.fail(`unsupported marker type 0x${m.toString(16)}`);
    }
  }

  private application(m: number): void {
    const cur = this.cur;
    const length = readUint16(cur) - 2;
    const start = cur.pos;
    // libjpeg examines APP0 and APP14 from whatever bytes exist even when the length is short.
    const end = Math.min(start + Math.max(length, 0), cur.data.length);
    const data = cur.data;
    if (m === 0xe0 && length >= 14 && startsWith(data, start, end, "JFIF\0")) this.sawJfif = true;
    if (m === 0xee && length >= 12 && startsWith(data, start, end, "Adobe") && end - start >= 12) {
      this.adobeTransform = data[start + 11];
    }
    if (m === 0xe1 && this.exif === undefined && startsWith(data, start, end, EXIF_HEADER)) {
      this.exif = data.slice(start + EXIF_HEADER.length, end);
    } else if (m === 0xe1 && this.xmp === undefined && startsWith(data, start, end, XMP_HEADER)) {
      this.xmp = new TextDecoder().decode(data.subarray(start + XMP_HEADER.length, end));
    }
    skipBytes(cur, length);
  }

  private huffmanTable(specs: (HuffmanSpec | null)[], slot: number, isDc: boolean): HuffmanTable {
    const spec = slot < 4 ? specs[slot] : null;
    if (!spec) this.fail(`Huffman table 0x${slot.toString(16).padStart(2, "0")} was not defined`);
    return buildHuffmanTable(spec, isDc, this.options.source);
  }

  private startScan(): void {
    const frame = this.frame;
    if (!frame) this.fail("invalid JPEG file structure: SOS before SOF");
    const scan = readScanHeader(this.cur, frame);
    if (this.scans === 0) {
      this.progression = new Progression(frame.components.length);
      this.multiScan = frame.progressive || scan.components.length < frame.components.length;
      for (const c of frame.components) c.coefs = new Int16Array(c.blocksPerLine * c.blocksPerColumn * 64);
      if (!frame.progressive && !frame.arithmetic) {
        // libjpeg-turbo installs the annex K tables in empty slots (Motion-JPEG frames omit them).
        const std = standardHuffmanSpecs();
        for (let i = 0; i < 2; i++) {
          this.dcSpecs[i] ??= std.dc[i];
          this.acSpecs[i] ??= std.ac[i];
        }
      }
    } else if (!this.multiScan) {
      this.fail("invalid JPEG file structure: more than one scan in a single-scan image");
    }
    this.scans++;
    if (this.scans > MAX_SCANS) this.fail(`more than ${MAX_SCANS} scans (a hostile progressive JPEG?)`);
    const blocks = (cs: Frame["components"]) => cs.reduce((n, c) => n + c.blocksPerLine * c.blocksPerColumn, 0);
    this.work += blocks(scan.components) * (frame.progressive ? scan.se - scan.ss + 1 : 64);
    if (this.work > MAX_COEFFICIENT_PASSES * 64 * blocks(frame.components)) {
      this.fail(
        `its ${this.scans} scans would visit every coefficient more than ${MAX_COEFFICIENT_PASSES} times ` +
          "(a hostile progressive JPEG?)",
      );
    }
    const progression = this.progression as Progression;
    progression.scanNumber++;
    if (frame.progressive) progression.startScan(frame, scan, this.options.source);
    const layout = mcuLayout(frame, scan);
    if (layout.blockComponent.length > 10) this.fail("sampling factors too large for interleaved scan");
    // Quantization tables are latched when a component first appears in a scan (jdinput.c latch_quant_tables).
    for (const c of scan.components) {
      if (c.quant) continue;
      const table = c.quantSlot < 4 ? this.quant[c.quantSlot] : null;
      if (!table) this.fail(`quantization table 0x${c.quantSlot.toString(16).padStart(2, "0")} was not defined`);
      c.quant = table.slice();
    }
    const reader = new BitReader(this.cur.data, this.cur.pos, this.options.allowTruncated, this.options.source);
    this.nextRestart = 0;
    const restart = (): void => this.readRestartMarker(reader);
    let decoder: McuDecoder;
    if (frame.arithmetic) {
      decoder = new ArithmeticDecoder(
        reader,
        scan,
        frame.progressive,
        layout.blockComponent,
        this.conditioning,
        restart,
        this.options.source,
      );
    } else if (frame.progressive) {
      const tables =
        scan.ss !== 0
          ? [this.huffmanTable(this.acSpecs, scan.acTableSlots[0], false)]
          : scan.ah === 0
            ? scan.dcTableSlots.map((slot) => this.huffmanTable(this.dcSpecs, slot, true))
            : [];
      decoder = new ProgressiveHuffmanDecoder(
        reader,
        scan,
        layout.blockComponent,
        tables,
        restart,
        this.options.source,
      );
    } else {
      const dc = scan.dcTableSlots.map((slot) => this.huffmanTable(this.dcSpecs, slot, true));
      const ac = scan.acTableSlots.map((slot) => this.huffmanTable(this.acSpecs, slot, false));
      decoder = new SequentialHuffmanDecoder(reader, scan, layout.blockComponent, dc, ac, restart);
    }
    decodeScanMcus(frame, scan, this.restartInterval, decoder, () => reader.insufficient, progression);
    // Bits left in the buffer are dropped; a marker met while filling it is the next one to process.
    this.cur.pos = reader.pos;
    this.pending = reader.marker;
  }

  /** jdmarker.c read_restart_marker and jpeg_resync_to_restart, on the entropy reader's position. */
  private readRestartMarker(reader: BitReader): void {
    reader.resetBits();
    const cur = this.cur;
    let marker = reader.marker;
    if (marker === 0) {
      cur.pos = reader.pos;
      marker = this.restartNextMarker(reader);
    }
    const desired = this.nextRestart;
    if (marker !== 0xd0 + desired) {
      for (;;) {
        let action: number;
        if (marker < 0xc0) action = 2;
        else if (marker < 0xd0 || marker > 0xd7) action = 3;
        else if (marker === 0xd0 + ((desired + 1) & 7) || marker === 0xd0 + ((desired + 2) & 7)) action = 3;
        else if (marker === 0xd0 + ((desired - 1) & 7) || marker === 0xd0 + ((desired - 2) & 7)) action = 2;
        else action = 1;
        if (action === 1) {
          marker = 0;
          break;
        }
        if (action === 3) break;
        cur.pos = reader.pos;
        marker = this.restartNextMarker(reader);
      }
    } else {
      marker = 0;
    }
    reader.marker = marker;
    if (marker === 0) reader.insufficient = false;
    this.nextRestart = (this.nextRestart + 1) & 7;
  }

  private restartNextMarker(reader: BitReader): number {
    const cur = this.cur;
    cur.pos = reader.pos;
    let m: number;
    try {
      m = nextMarker(cur);
    } catch (e) {
      if (!(e instanceof JpegError) || !this.options.allowTruncated) throw e;
      m = 0xd9;
    }
    reader.pos = cur.pos;
    return m;
  }
}
