// Progressive Huffman decoding (ITU T.81 G.1.2): DC first/refine scans and AC spectral-selection and
// successive-approximation scans with end-of-band runs, following libjpeg's jdphuff.c including its handling of
// damaged data (skipped MCUs once the segment has run out, int16 coefficients).

import type { BitReader } from "./bitreader.js";
import { JpegError } from "./error.js";
import type { Scan } from "./frame.js";
import type { HuffmanTable } from "./huffman.js";
import type { McuDecoder } from "./scan.js";
import { NATURAL_ORDER } from "./tables.js";

export class ProgressiveHuffmanDecoder implements McuDecoder {
  private readonly dcPred: Int32Array;
  private eobrun = 0;
  private readonly newNonzero = new Int32Array(64);

  constructor(
    private readonly reader: BitReader,
    private readonly scan: Scan,
    private readonly blockComponent: Int32Array,
    /** DC tables per scan component (first DC scans) or the AC table of the single component (AC scans). */
    private readonly tables: HuffmanTable[],
    private readonly onRestart: () => void,
    private readonly source: string,
  ) {
    this.dcPred = new Int32Array(scan.components.length);
  }

  decodeMcu(offsets: Int32Array): void {
    const { ss, ah } = this.scan;
    if (ss === 0) {
      if (ah === 0) this.dcFirst(offsets);
      else this.dcRefine(offsets);
    } else if (ah === 0) this.acFirst(offsets[0]);
    else this.acRefine(offsets[0]);
  }

  restart(): void {
    this.onRestart();
    this.dcPred.fill(0);
    this.eobrun = 0;
  }

  private dcFirst(offsets: Int32Array): void {
    const reader = this.reader;
    if (reader.insufficient) return;
    const al = this.scan.al;
    const components = this.scan.components;
    for (let b = 0; b < offsets.length; b++) {
      const ci = this.blockComponent[b];
      const s = reader.decode(this.tables[ci]);
      const diff = s === 0 ? 0 : reader.receiveExtend(s);
      const dc = this.dcPred[ci] + diff;
      if (dc > 0x7fffffff || dc < -0x80000000) throw new JpegError(this.source, "DCT coefficient out of range");
      this.dcPred[ci] = dc;
      components[ci].coefs[offsets[b]] = dc * (1 << al);
    }
    reader.checkInsufficient();
  }

  private dcRefine(offsets: Int32Array): void {
    const reader = this.reader;
    const p1 = 1 << this.scan.al;
    const components = this.scan.components;
    for (let b = 0; b < offsets.length; b++) {
      if (reader.getBit() !== 0) components[this.blockComponent[b]].coefs[offsets[b]] |= p1;
    }
    reader.checkInsufficient();
  }

  private acFirst(offset: number): void {
    const reader = this.reader;
    if (reader.insufficient) return;
    if (this.eobrun > 0) {
      this.eobrun--;
      return;
    }
    const { se, al } = this.scan;
    const coefs = this.scan.components[0].coefs;
    const table = this.tables[0];
    for (let k = this.scan.ss; k <= se; k++) {
      const rs = reader.decode(table);
      const r = rs >> 4;
      const s = rs & 15;
      if (s !== 0) {
        k += r;
        coefs[offset + NATURAL_ORDER[k]] = reader.receiveExtend(s) * (1 << al);
      } else if (r === 15) {
        k += 15;
      } else {
        let run = 1 << r;
        if (r !== 0) run += reader.getBits(r);
        this.eobrun = run - 1;
        break;
      }
    }
    reader.checkInsufficient();
  }

  private acRefine(offset: number): void {
    const reader = this.reader;
    if (reader.insufficient) return;
    const { se, al } = this.scan;
    const p1 = 1 << al;
    const m1 = -1 << al;
    const coefs = this.scan.components[0].coefs;
    const table = this.tables[0];
    let k = this.scan.ss;
    if (this.eobrun === 0) {
      for (; k <= se; k++) {
        const rs = reader.decode(table);
        let r = rs >> 4;
        let s = rs & 15;
        if (s !== 0) {
          // A newly nonzero coefficient always has magnitude 1 (libjpeg only warns when the code says otherwise).
          s = reader.getBit() !== 0 ? p1 : m1;
        } else if (r !== 15) {
          let run = 1 << r;
          if (r !== 0) run += reader.getBits(r);
          this.eobrun = run;
          break;
        }
        // Skip r zero coefficients, refining the nonzero ones passed on the way.
        do {
          const pos = offset + NATURAL_ORDER[k];
          const value = coefs[pos];
          if (value !== 0) {
            if (reader.getBit() !== 0 && (value & p1) === 0) coefs[pos] = value >= 0 ? value + p1 : value + m1;
          } else if (--r < 0) {
            break;
          }
          k++;
        } while (k <= se);
        if (s !== 0) coefs[offset + NATURAL_ORDER[k]] = s;
      }
    }
    if (this.eobrun > 0) {
      for (; k <= se; k++) {
        const pos = offset + NATURAL_ORDER[k];
        const value = coefs[pos];
        if (value !== 0 && reader.getBit() !== 0 && (value & p1) === 0) {
          coefs[pos] = value >= 0 ? value + p1 : value + m1;
        }
      }
      this.eobrun--;
    }
    reader.checkInsufficient();
  }
}
