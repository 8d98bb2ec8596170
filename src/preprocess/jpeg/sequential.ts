// Sequential (baseline and extended) Huffman decoding of one MCU (ITU T.81 F.2.2), as libjpeg's jdhuff.c
// decode_mcu: DC predictions wrap like C ints, coefficients are stored as int16, and a corrupt run length that
// overshoots the block writes coefficient 63.

import type { BitReader } from "./bitreader.js";
import type { Scan } from "./frame.js";
import type { HuffmanTable } from "./huffman.js";
import type { McuDecoder } from "./scan.js";
import { NATURAL_ORDER } from "./tables.js";

export class SequentialHuffmanDecoder implements McuDecoder {
  private readonly dcPred: Int32Array;

  constructor(
    private readonly reader: BitReader,
    private readonly scan: Scan,
    private readonly blockComponent: Int32Array,
    private readonly dcTables: HuffmanTable[],
    private readonly acTables: HuffmanTable[],
    private readonly onRestart: () => void,
  ) {
    this.dcPred = new Int32Array(scan.components.length);
  }

  decodeMcu(offsets: Int32Array): void {
    const reader = this.reader;
    if (reader.insufficient) return;
    const blockComponent = this.blockComponent;
    const components = this.scan.components;
    for (let b = 0; b < offsets.length; b++) {
      const ci = blockComponent[b];
      const coefs = components[ci].coefs;
      const offset = offsets[b];
      let s = reader.decode(this.dcTables[ci]);
      const diff = s === 0 ? 0 : reader.receiveExtend(s);
      const dc = (this.dcPred[ci] + diff) | 0;
      this.dcPred[ci] = dc;
      coefs[offset] = dc;
      const ac = this.acTables[ci];
      for (let k = 1; k < 64; k++) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        s = rs & 15;
        if (s !== 0) {
          k += r;
          coefs[offset + NATURAL_ORDER[k]] = reader.receiveExtend(s);
        } else {
          if (r !== 15) break;
          k += 15;
        }
      }
    }
    reader.checkInsufficient();
  }

  restart(): void {
    this.onRestart();
    this.dcPred.fill(0);
  }
}
