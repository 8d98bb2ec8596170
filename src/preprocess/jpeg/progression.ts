// Progressive-scan bookkeeping shared by the Huffman and arithmetic decoders: the scan-parameter checks of
// jdphuff.c / jdarith.c start_pass and the per-coefficient "bits still unknown" record (libjpeg's coef_bits),
// which block smoothing reads once all scans are in.

import { JpegError } from "./error.js";
import type { Frame, Scan } from "./frame.js";

export class Progression {
  /** coefBits[c * 64 + k]: Al of the last scan that coded coefficient k of component c, -1 if none yet. */
  readonly coefBits: Int32Array;
  /** Value of coefBits before the most recent scan touching each coefficient (for rows a damaged scan missed). */
  readonly prevCoefBits: Int32Array;
  /** Number of SOS markers seen (libjpeg's input_scan_number). */
  scanNumber = 0;
  /** Last iMCU row whose MCUs were decoded with data available (libjpeg's last_good_iMCU_row). */
  lastGoodImcuRow = 0;

  constructor(readonly componentCount: number) {
    this.coefBits = new Int32Array(componentCount * 64).fill(-1);
    this.prevCoefBits = new Int32Array(componentCount * 64);
  }

  /** Validate a progressive scan's Ss/Se/Ah/Al and record which coefficient bits it supplies. */
  startScan(frame: Frame, scan: Scan, source: string): void {
    const { ss, se, ah, al } = scan;
    const isDc = ss === 0;
    let bad = false;
    if (isDc) bad = se !== 0;
    else bad = ss > se || se >= 64 || scan.components.length !== 1;
    if (ah !== 0 && al !== ah - 1) bad = true;
    if (al > 13) bad = true;
    if (bad) throw new JpegError(source, `invalid progressive parameters Ss=${ss} Se=${se} Ah=${ah} Al=${al}`);
    for (const c of scan.components) {
      const base = c.index * 64;
      for (let k = Math.min(ss, 1); k <= Math.max(se, 9); k++) {
        this.prevCoefBits[base + k] = this.scanNumber > 1 ? this.coefBits[base + k] : 0;
      }
      for (let k = ss; k <= se; k++) this.coefBits[base + k] = al;
    }
    void frame;
  }
}
