// Bit reader for Huffman-coded segments (ITU T.81 F.2.2.5) with libjpeg's handling of damaged data: a marker ends
// the segment and is followed by zero bits, and once a block has used such bits the rest of the segment is
// skipped (left zero), exactly as jdhuff.c's jpeg_fill_bit_buffer / insufficient_data do.

import { JpegError, TRUNCATED } from "./error.js";
import { LOOKAHEAD, type HuffmanTable } from "./huffman.js";

export class BitReader {
  readonly data: Uint8Array;
  pos: number;
  /** Unconsumed bits are the low `bits` bits of `buf` (higher bits are stale). */
  buf = 0;
  bits = 0;
  /** Marker that ended the segment (libjpeg's unread_marker), 0 while still inside entropy-coded data. */
  marker = 0;
  /** Zero bits appended after `marker`; once more than `bits` of them exist, decoding has read past the data. */
  fakeBits = 0;
  /** libjpeg's insufficient_data: the segment ran out, so remaining blocks of it are not decoded. */
  insufficient = false;
  readonly allowTruncated: boolean;
  readonly source: string;

  constructor(data: Uint8Array, pos: number, allowTruncated: boolean, source: string) {
    this.data = data;
    this.pos = pos;
    this.allowTruncated = allowTruncated;
    this.source = source;
  }

  /** End of the file inside entropy data: Pillow's suspending source fails, or with LOAD_TRUNCATED_IMAGES it
   * appends an EOI marker. */
  private endOfData(): void {
    if (!this.allowTruncated) throw new JpegError(this.source, TRUNCATED);
    this.marker = 0xd9;
  }

  /** Load bytes until more than 24 bits are buffered. */
  fill(): void {
    const data = this.data;
    const end = data.length;
    while (this.bits <= 24) {
      if (this.marker !== 0) {
        this.buf <<= 8;
        this.bits += 8;
        this.fakeBits += 8;
        continue;
      }
      if (this.pos >= end) {
        this.endOfData();
        continue;
      }
      const c = data[this.pos++];
      if (c === 0xff) {
        let next: number;
        do {
          if (this.pos >= end) {
            next = -1;
            break;
          }
          next = data[this.pos++];
        } while (next === 0xff);
        if (next < 0) {
          this.endOfData();
          continue;
        }
        if (next !== 0) {
          this.marker = next;
          continue;
        }
      }
      this.buf = (this.buf << 8) | c;
      this.bits += 8;
    }
  }

  getBits(n: number): number {
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.buf >>> this.bits) & ((1 << n) - 1);
  }

  getBit(): number {
    if (this.bits < 1) this.fill();
    this.bits--;
    return (this.buf >>> this.bits) & 1;
  }

  /** Read `s` bits and sign-extend them as a coefficient of magnitude category s (F.2.2.1 EXTEND). */
  receiveExtend(s: number): number {
    if (this.bits < s) this.fill();
    this.bits -= s;
    const v = (this.buf >>> this.bits) & ((1 << s) - 1);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Decode one Huffman symbol; an invalid code consumes 17 bits and yields 0, as libjpeg does. */
  decode(table: HuffmanTable): number {
    if (this.bits < 17) this.fill();
    const entry = table.lookup[(this.buf >>> (this.bits - LOOKAHEAD)) & ((1 << LOOKAHEAD) - 1)];
    if (entry !== 0) {
      this.bits -= entry >> 8;
      return entry & 0xff;
    }
    const maxcode = table.maxcode;
    for (let length = LOOKAHEAD + 1; length <= 16; length++) {
      const code = (this.buf >>> (this.bits - length)) & ((1 << length) - 1);
      if (code <= maxcode[length]) {
        this.bits -= length;
        return table.values[(code + table.valoffset[length]) & 0xff];
      }
    }
    this.bits -= 17;
    return 0;
  }

  /** After each MCU: if it used bits beyond the segment's end, skip the rest of the segment (libjpeg's rule). */
  checkInsufficient(): void {
    if (this.fakeBits > this.bits) this.insufficient = true;
  }

  /** Drop buffered bits at a restart or scan end; the bytes they came from are consumed. */
  resetBits(): void {
    this.buf = 0;
    this.bits = 0;
    this.fakeBits = 0;
  }
}
