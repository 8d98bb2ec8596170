// Huffman decoding tables (ITU T.81 annex C and F.2.2.3) with a 9-bit lookahead, validated like libjpeg's
// jpeg_make_d_derived_tbl, plus the annex K tables libjpeg-turbo installs when a sequential file has no DHT.

import { JpegError } from "./error.js";
import type { HuffmanSpec } from "./markers.js";

export const LOOKAHEAD = 9;

export interface HuffmanTable {
  /** lookup[next 9 bits] = (code length << 8) | symbol, or 0 when the code is longer than 9 bits. */
  lookup: Uint16Array;
  /** Largest code of each length 1..16, -1 when none; index 17 is a sentinel that stops the slow search. */
  maxcode: Int32Array;
  /** Index into `values` of a code of each length, minus that length's first code. */
  valoffset: Int32Array;
  values: Uint8Array;
}

export function buildHuffmanTable(spec: HuffmanSpec, isDc: boolean, source: string): HuffmanTable {
  const sizes: number[] = [];
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < spec.bits[length]; i++) sizes.push(length);
  }
  if (sizes.length > 256) throw new JpegError(source, "bogus Huffman table definition");
  // Canonical codes (figure C.2); a code that no longer fits in its length means the counts are not a prefix code.
  const codes = new Int32Array(sizes.length);
  let code = 0;
  let p = 0;
  let size = sizes[0] ?? 0;
  while (p < sizes.length) {
    while (p < sizes.length && sizes[p] === size) codes[p++] = code++;
    if (code >= 1 << size) throw new JpegError(source, "bogus Huffman table definition");
    code <<= 1;
    size++;
  }
  const maxcode = new Int32Array(18).fill(-1);
  const valoffset = new Int32Array(18);
  p = 0;
  for (let length = 1; length <= 16; length++) {
    const n = spec.bits[length];
    if (n === 0) continue;
    valoffset[length] = p - codes[p];
    p += n;
    maxcode[length] = codes[p - 1];
  }
  maxcode[17] = 0xfffff;
  const lookup = new Uint16Array(1 << LOOKAHEAD);
  for (let i = 0; i < sizes.length && sizes[i] <= LOOKAHEAD; i++) {
    const shift = LOOKAHEAD - sizes[i];
    const first = codes[i] << shift;
    lookup.fill((sizes[i] << 8) | spec.values[i], first, first + (1 << shift));
  }
  if (isDc) {
    for (let i = 0; i < sizes.length; i++) {
      if (spec.values[i] > 15) throw new JpegError(source, "bogus Huffman table definition");
    }
  }
  return { lookup, maxcode, valoffset, values: spec.values };
}

/**
 * Annex K.3 tables. The AC symbol lists are stored as the symbols of codes up to 15 bits; the 16-bit group holds
 * every remaining (run, size) symbol in ascending order, which is how tables K.5 and K.6 are laid out.
 */
function standardSpec(bits: number[], shortSymbols: number[], isDc: boolean): HuffmanSpec {
  const values = new Uint8Array(256);
  let symbols = shortSymbols;
  if (!isDc) {
    const all = [0x00, 0xf0];
    for (let run = 0; run < 16; run++) for (let size = 1; size <= 10; size++) all.push((run << 4) | size);
    all.sort((a, b) => a - b);
    symbols = shortSymbols.concat(all.filter((s) => !shortSymbols.includes(s)));
  }
  values.set(symbols);
  return { bits: Uint8Array.from([0, ...bits]), values };
}

const dcSymbols = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

export function standardHuffmanSpecs(): { dc: HuffmanSpec[]; ac: HuffmanSpec[] } {
  return {
    dc: [
      standardSpec([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], dcSymbols, true),
      standardSpec([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dcSymbols, true),
    ],
    ac: [
      standardSpec(
        [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
        [
          0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71,
          0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72,
          0x82,
        ],
        false,
      ),
      standardSpec(
        [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
        [
          0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22,
          0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1,
          0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1,
        ],
        false,
      ),
    ],
  };
}
