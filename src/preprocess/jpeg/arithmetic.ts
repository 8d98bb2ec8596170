// Arithmetic-coded scans (ITU T.81 annex D for the QM-coder, F.1.4 / G.1.3 for the coefficient models),
// sequential and progressive, with libjpeg's conventions (jdarith.c): zero data after a marker, a decoding error
// (impossible magnitude or run) silences the rest of the restart interval, DC predictions wrap at 16 bits.

import type { BitReader } from "./bitreader.js";
import { JpegError } from "./error.js";
import type { Scan } from "./frame.js";
import type { ArithConditioning } from "./markers.js";
import type { McuDecoder } from "./scan.js";
import { NATURAL_ORDER } from "./tables.js";

/** Table D.2: probability estimate Qe, next state after an LPS / MPS, and whether an LPS swaps the MPS sense.
 * State 113 is libjpeg's fixed 1/2-probability state for sign and refinement bits. */
const QE = new Int32Array([
  0x5a1d, 0x2586, 0x1114, 0x080b, 0x03d8, 0x01da, 0x00e5, 0x006f, 0x0036, 0x001a, 0x000d, 0x0006, 0x0003, 0x0001,
  0x5a7f, 0x3f25, 0x2cf2, 0x207c, 0x17b9, 0x1182, 0x0cef, 0x09a1, 0x072f, 0x055c, 0x0406, 0x0303, 0x0240, 0x01b1,
  0x0144, 0x00f5, 0x00b7, 0x008a, 0x0068, 0x004e, 0x003b, 0x002c, 0x5ae1, 0x484c, 0x3a0d, 0x2ef1, 0x261f, 0x1f33,
  0x19a8, 0x1518, 0x1177, 0x0e74, 0x0bfb, 0x09f8, 0x0861, 0x0706, 0x05cd, 0x04de, 0x040f, 0x0363, 0x02d4, 0x025c,
  0x01f8, 0x01a4, 0x0160, 0x0125, 0x00f6, 0x00cb, 0x00ab, 0x008f, 0x5b12, 0x4d04, 0x412c, 0x37d8, 0x2fe8, 0x293c,
  0x2379, 0x1edf, 0x1aa9, 0x174e, 0x1424, 0x119c, 0x0f6b, 0x0d51, 0x0bb6, 0x0a40, 0x5832, 0x4d1c, 0x438e, 0x3bdd,
  0x34ee, 0x2eae, 0x299a, 0x2516, 0x5570, 0x4ca9, 0x44d9, 0x3e22, 0x3824, 0x32b4, 0x2e17, 0x56a8, 0x4f46, 0x47e5,
  0x41cf, 0x3c3d, 0x375e, 0x5231, 0x4c0f, 0x4639, 0x415e, 0x5627, 0x50e7, 0x4b85, 0x5597, 0x504f, 0x5a10, 0x5522,
  0x59eb, 0x5a1d,
]);
const NEXT_LPS = new Uint8Array([
  1, 14, 16, 18, 20, 23, 25, 28, 30, 33, 35, 9, 10, 12, 15, 36, 38, 39, 40, 42, 43, 45, 46, 48, 49, 51, 52, 54, 56, 57,
  59, 60, 62, 63, 32, 33, 37, 64, 65, 67, 68, 69, 70, 72, 73, 74, 75, 77, 78, 79, 48, 50, 50, 51, 52, 53, 54, 55, 56,
  57, 58, 59, 61, 61, 65, 80, 81, 82, 83, 84, 86, 87, 87, 72, 72, 74, 74, 75, 77, 77, 80, 88, 89, 90, 91, 92, 93, 86,
  88, 95, 96, 97, 99, 99, 93, 95, 101, 102, 103, 104, 99, 105, 106, 107, 103, 105, 108, 109, 110, 111, 110, 112, 112,
  113,
]);
const NEXT_MPS = new Uint8Array([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
  33, 34, 35, 9, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
  63, 32, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 48, 81, 82, 83, 84, 85, 86, 87, 71, 89, 90, 91,
  92, 93, 94, 86, 96, 97, 98, 99, 100, 93, 102, 103, 104, 99, 106, 107, 103, 109, 107, 111, 109, 111, 113,
]);
/** Next state after an LPS with the MPS-swap flag in bit 7, ready to XOR into a statistics bin. */
const NEXT_LPS_SWITCH = NEXT_LPS.map((next, state) =>
  [0, 14, 36, 64, 80, 88, 95, 105, 110, 112].includes(state) ? next | 0x80 : next,
);

const DC_STAT_BINS = 64;
const AC_STAT_BINS = 256;
const FIXED_BIN = 113;

export class ArithmeticDecoder implements McuDecoder {
  private a = 0;
  private c = 0;
  private ct = -16;
  /** Statistics bins (state index | MPS sense << 7) per conditioning table, plus one fixed bin at the end. */
  private readonly dcStats: Uint8Array[] = [];
  private readonly acStats: Uint8Array[] = [];
  private readonly fixed = new Uint8Array([FIXED_BIN]);
  private readonly lastDc: Int32Array;
  private readonly dcContext: Int32Array;

  constructor(
    /** Holds the byte position and the pending marker shared with the restart-marker logic. */
    private readonly reader: BitReader,
    private readonly scan: Scan,
    private readonly progressive: boolean,
    private readonly blockComponent: Int32Array,
    private readonly cond: ArithConditioning,
    private readonly onRestart: () => void,
    private readonly source: string,
  ) {
    this.lastDc = new Int32Array(scan.components.length);
    this.dcContext = new Int32Array(scan.components.length);
    for (let i = 0; i < 16; i++) {
      this.dcStats.push(new Uint8Array(DC_STAT_BINS));
      this.acStats.push(new Uint8Array(AC_STAT_BINS));
    }
    const usesDc = !progressive || (scan.ss === 0 && scan.ah === 0);
    const usesAc = !progressive || scan.ss !== 0;
    for (let i = 0; i < scan.components.length; i++) {
      if (usesDc && scan.dcTableSlots[i] >= 16)
        throw new JpegError(source, `arithmetic table ${scan.dcTableSlots[i]} was not defined`);
      if (usesAc && scan.acTableSlots[i] >= 16)
        throw new JpegError(source, `arithmetic table ${scan.acTableSlots[i]} was not defined`);
    }
  }

  private byte(): number {
    const r = this.reader;
    if (r.pos >= r.data.length)
      throw new JpegError(this.source, "arithmetic-coded data ends before the image is complete");
    return r.data[r.pos++];
  }

  /** Decode one binary decision with the adaptive estimate in stats[index] (D.2.4 to D.2.6). */
  private decode(stats: Uint8Array, index: number): number {
    while (this.a < 0x8000) {
      if (--this.ct < 0) {
        let data = 0;
        if (this.reader.marker === 0) {
          data = this.byte();
          if (data === 0xff) {
            do data = this.byte();
            while (data === 0xff);
            if (data === 0) data = 0xff;
            else {
              // A marker inside arithmetic data is legal: decoding continues on zero bytes.
              this.reader.marker = data;
              data = 0;
            }
          }
        }
        this.c = this.c * 256 + data;
        if ((this.ct += 8) < 0) {
          if (++this.ct === 0) this.a = 0x8000;
        }
      }
      this.a <<= 1;
    }
    let sv = stats[index];
    const state = sv & 0x7f;
    const qe = QE[state];
    let temp = this.a - qe;
    this.a = temp;
    temp *= 2 ** this.ct;
    if (this.c >= temp) {
      this.c -= temp;
      if (this.a < qe) {
        this.a = qe;
        stats[index] = (sv & 0x80) ^ NEXT_MPS[state];
      } else {
        this.a = qe;
        stats[index] = (sv & 0x80) ^ NEXT_LPS_SWITCH[state];
        sv ^= 0x80;
      }
    } else if (this.a < 0x8000) {
      if (this.a < qe) {
        stats[index] = (sv & 0x80) ^ NEXT_LPS_SWITCH[state];
        sv ^= 0x80;
      } else {
        stats[index] = (sv & 0x80) ^ NEXT_MPS[state];
      }
    }
    return sv >> 7;
  }

  restart(): void {
    this.onRestart();
    const { scan, progressive } = this;
    for (let i = 0; i < scan.components.length; i++) {
      if (!progressive || (scan.ss === 0 && scan.ah === 0)) {
        this.dcStats[scan.dcTableSlots[i]].fill(0);
        this.lastDc[i] = 0;
        this.dcContext[i] = 0;
      }
      if (!progressive || scan.ss !== 0) this.acStats[scan.acTableSlots[i]].fill(0);
    }
    this.c = 0;
    this.a = 0;
    this.ct = -16;
  }

  decodeMcu(offsets: Int32Array): void {
    const { scan } = this;
    if (!this.progressive) this.sequential(offsets);
    else if (scan.ss === 0) {
      if (scan.ah === 0) this.dcFirst(offsets, scan.al);
      else this.dcRefine(offsets);
    } else if (scan.ah === 0) this.acFirst(offsets[0], scan.ss, scan.se, scan.al);
    else this.acRefine(offsets[0]);
  }

  /** DC difference (F.1.4.1), updating the component's context and prediction; false on a corrupt magnitude. */
  private decodeDc(ci: number): boolean {
    const tbl = this.scan.dcTableSlots[ci];
    const stats = this.dcStats[tbl];
    let st = this.dcContext[ci];
    if (this.decode(stats, st) === 0) {
      this.dcContext[ci] = 0;
      return true;
    }
    const sign = this.decode(stats, st + 1);
    st += 2 + sign;
    let m = this.decode(stats, st);
    if (m !== 0) {
      st = 20;
      while (this.decode(stats, st)) {
        if ((m <<= 1) === 0x8000) {
          this.ct = -1;
          return false;
        }
        st++;
      }
    }
    if (m < (1 << this.cond.dcL[tbl]) >> 1) this.dcContext[ci] = 0;
    else if (m > (1 << this.cond.dcU[tbl]) >> 1) this.dcContext[ci] = 12 + sign * 4;
    else this.dcContext[ci] = 4 + sign * 4;
    let v = m;
    st += 14;
    for (m >>= 1; m !== 0; m >>= 1) if (this.decode(stats, st)) v |= m;
    v += 1;
    if (sign) v = -v;
    this.lastDc[ci] = (this.lastDc[ci] + v) & 0xffff;
    return true;
  }

  /** AC coefficients k = ss..se (F.1.4.2); returns false after a corrupt run or magnitude. */
  private decodeAc(coefs: Int16Array, offset: number, tbl: number, ss: number, se: number, al: number): boolean {
    const stats = this.acStats[tbl];
    const kx = this.cond.acK[tbl];
    for (let k = ss; k <= se; k++) {
      let st = 3 * (k - 1);
      if (this.decode(stats, st)) break;
      while (this.decode(stats, st + 1) === 0) {
        st += 3;
        k++;
        if (k > se) {
          this.ct = -1;
          return false;
        }
      }
      const sign = this.decode(this.fixed, 0);
      st += 2;
      let m = this.decode(stats, st);
      if (m !== 0 && this.decode(stats, st)) {
        m <<= 1;
        st = k <= kx ? 189 : 217;
        while (this.decode(stats, st)) {
          if ((m <<= 1) === 0x8000) {
            this.ct = -1;
            return false;
          }
          st++;
        }
      }
      let v = m;
      st += 14;
      for (m >>= 1; m !== 0; m >>= 1) if (this.decode(stats, st)) v |= m;
      v += 1;
      if (sign) v = -v;
      coefs[offset + NATURAL_ORDER[k]] = v * (1 << al);
    }
    return true;
  }

  private sequential(offsets: Int32Array): void {
    if (this.ct === -1) return;
    const components = this.scan.components;
    for (let b = 0; b < offsets.length; b++) {
      const ci = this.blockComponent[b];
      const coefs = components[ci].coefs;
      if (!this.decodeDc(ci)) return;
      coefs[offsets[b]] = this.lastDc[ci];
      if (!this.decodeAc(coefs, offsets[b], this.scan.acTableSlots[ci], 1, 63, 0)) return;
    }
  }

  private dcFirst(offsets: Int32Array, al: number): void {
    if (this.ct === -1) return;
    const components = this.scan.components;
    for (let b = 0; b < offsets.length; b++) {
      const ci = this.blockComponent[b];
      if (!this.decodeDc(ci)) return;
      components[ci].coefs[offsets[b]] = this.lastDc[ci] * (1 << al);
    }
  }

  private dcRefine(offsets: Int32Array): void {
    const p1 = 1 << this.scan.al;
    const components = this.scan.components;
    for (let b = 0; b < offsets.length; b++) {
      if (this.decode(this.fixed, 0)) components[this.blockComponent[b]].coefs[offsets[b]] |= p1;
    }
  }

  private acFirst(offset: number, ss: number, se: number, al: number): void {
    if (this.ct === -1) return;
    this.decodeAc(this.scan.components[0].coefs, offset, this.scan.acTableSlots[0], ss, se, al);
  }

  private acRefine(offset: number): void {
    if (this.ct === -1) return;
    const { ss, se, al } = this.scan;
    const coefs = this.scan.components[0].coefs;
    const stats = this.acStats[this.scan.acTableSlots[0]];
    const p1 = 1 << al;
    const m1 = -1 << al;
    let kex = se;
    for (; kex > 0; kex--) if (coefs[offset + NATURAL_ORDER[kex]] !== 0) break;
    for (let k = ss; k <= se; k++) {
      let st = 3 * (k - 1);
      if (k > kex && this.decode(stats, st)) break;
      for (;;) {
        const pos = offset + NATURAL_ORDER[k];
        const value = coefs[pos];
        if (value !== 0) {
          if (this.decode(stats, st + 2)) coefs[pos] = value < 0 ? value + m1 : value + p1;
          break;
        }
        if (this.decode(stats, st + 1)) {
          coefs[pos] = this.decode(this.fixed, 0) ? m1 : p1;
          break;
        }
        st += 3;
        k++;
        if (k > se) {
          this.ct = -1;
          return;
        }
      }
    }
  }
}
