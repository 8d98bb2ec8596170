// libjpeg-turbo 2.1's block smoothing for progressive images whose low-frequency AC coefficients are not fully
// known (jdcoefct.c decompress_smooth_data): the first nine AC coefficients of a block that are still zero are
// estimated from the DC values of the 5x5 neighbouring blocks; with no AC data at all the DC is re-estimated too.
// The neighbour fetching reproduces libjpeg's iMCU-row and sliding-register edge rules exactly.

import type { Component, Frame } from "./frame.js";
import { idctIslow } from "./idct.js";
import type { Progression } from "./progression.js";

/** Natural-order positions of zigzag coefficients 1..9 (AC01, AC10, AC20, AC11, AC02, AC03, AC12, AC21, AC30). */
const Q01 = 1;
const Q10 = 8;
const Q20 = 16;
const Q11 = 9;
const Q02 = 2;
const Q03 = 3;
const Q12 = 10;
const Q21 = 17;
const Q30 = 24;

/** libjpeg's smoothing_ok: progressive, every component latched with nonzero low quantizers, DC known, and some
 * of the first nine AC coefficients still missing bits. */
export function smoothingUseful(frame: Frame, progression: Progression): boolean {
  if (!frame.progressive) return false;
  let useful = false;
  for (const c of frame.components) {
    const q = c.quant;
    if (!q) return false;
    if (q[0] === 0 || q[Q01] === 0 || q[Q10] === 0 || q[Q20] === 0 || q[Q11] === 0) return false;
    if (q[Q02] === 0 || q[Q03] === 0 || q[Q12] === 0 || q[Q21] === 0 || q[Q30] === 0) return false;
    const bits = progression.coefBits;
    if (bits[c.index * 64] < 0) return false;
    for (let k = 1; k < 10; k++) if (bits[c.index * 64 + k] !== 0) useful = true;
  }
  return useful;
}

function estimate(num: number, q: number, al: number): number {
  let pred: number;
  if (num >= 0) {
    pred = Math.trunc((q * 128 + num) / (q * 256));
    if (al > 0 && pred >= 1 << al) pred = (1 << al) - 1;
  } else {
    pred = Math.trunc((q * 128 - num) / (q * 256));
    if (al > 0 && pred >= 1 << al) pred = (1 << al) - 1;
    pred = -pred;
  }
  return pred;
}

/** IDCT of a component with block smoothing, into a plane of blocksPerLine*8 x blocksPerColumn*8 samples. */
export function smoothedComponentPlane(frame: Frame, component: Component, progression: Progression): Uint8Array {
  const c = component;
  const stride = c.blocksPerLine * 8;
  const plane = new Uint8Array(stride * c.blocksPerColumn * 8);
  const quant = c.quant ?? new Uint16Array(64);
  const quant32 = Int32Array.from(quant);
  const idctWorkspace = new Int32Array(64);
  const block = new Int16Array(64);
  const coefs = c.coefs;
  const v = c.v;
  const lastImcuRow = frame.mcusPerColumn - 1;
  const lastBlockColumn = c.widthInBlocks - 1;
  const bitsNow = new Int32Array(10);
  const bitsPrev = new Int32Array(10);
  for (let k = 0; k < 10; k++) {
    bitsNow[k] = progression.coefBits[c.index * 64 + k];
    bitsPrev[k] = progression.scanNumber > 1 ? progression.prevCoefBits[c.index * 64 + k] : -1;
  }
  const Q00 = quant[0];
  const dcAt = (row: number, col: number): number => coefs[(row * c.blocksPerLine + col) * 64];

  for (let imcu = 0; imcu <= lastImcuRow; imcu++) {
    let blockRows = v;
    if (imcu === lastImcuRow) blockRows = c.heightInBlocks % v || v;
    // Rows after the last one a damaged final scan reached use the coefficient bits from before that scan.
    const bits = imcu > progression.lastGoodImcuRow ? bitsPrev : bitsNow;
    // Only with no AC data at all are the DC values themselves re-estimated (libjpeg's change_dc).
    let changeDc = true;
    for (let k = 1; k < 10; k++) if (bits[k] !== -1) changeDc = false;
    for (let blockRow = 0; blockRow < blockRows; blockRow++) {
      const row = imcu * v + blockRow;
      const prevRow = blockRow > 0 || imcu > 0 ? row - 1 : row;
      const prevPrevRow = blockRow > 1 || imcu > 1 ? row - 2 : prevRow;
      const nextRow = blockRow < blockRows - 1 || imcu < lastImcuRow ? row + 1 : row;
      const nextNextRow = blockRow < blockRows - 2 || imcu + 1 < lastImcuRow ? row + 2 : nextRow;
      const rows = [prevPrevRow, prevRow, row, nextRow, nextNextRow];
      // dc[r * 5 + i]: libjpeg's DC01..DC25 sliding registers, row r = -2..+2, column i = -2..+2.
      const dc = new Int32Array(25);
      for (let r = 0; r < 5; r++) dc.fill(dcAt(rows[r], 0), r * 5, r * 5 + 5);
      for (let col = 0; col <= lastBlockColumn; col++) {
        const offset = (row * c.blocksPerLine + col) * 64;
        block.set(coefs.subarray(offset, offset + 64));
        if (col === 0 && col < lastBlockColumn) for (let r = 0; r < 5; r++) dc[r * 5 + 3] = dcAt(rows[r], 1);
        if (col + 1 < lastBlockColumn) for (let r = 0; r < 5; r++) dc[r * 5 + 4] = dcAt(rows[r], col + 2);
        smoothBlock(block, dc, bits, quant, Q00, changeDc);
        idctIslow(plane, row * 8 * stride + col * 8, stride, block, 0, quant32, idctWorkspace);
        for (let r = 0; r < 5; r++) {
          const b = r * 5;
          dc[b] = dc[b + 1];
          dc[b + 1] = dc[b + 2];
          dc[b + 2] = dc[b + 3];
          dc[b + 3] = dc[b + 4];
        }
      }
    }
  }
  return plane;
}

function smoothBlock(
  block: Int16Array,
  dc: Int32Array,
  bits: Int32Array,
  q: Uint16Array,
  Q00: number,
  changeDc: boolean,
): void {
  const [DC01, DC02, DC03, DC04, DC05, DC06, DC07, DC08, DC09, DC10] = dc.subarray(0, 10);
  const [DC11, DC12, DC13, DC14, DC15, DC16, DC17, DC18, DC19, DC20] = dc.subarray(10, 20);
  const [DC21, DC22, DC23, DC24, DC25] = dc.subarray(20, 25);
  let al: number;
  if ((al = bits[1]) !== 0 && block[1] === 0) {
    const num =
      Q00 *
      (changeDc
        ? -DC01 -
          DC02 +
          DC04 +
          DC05 -
          3 * DC06 +
          13 * DC07 -
          13 * DC09 +
          3 * DC10 -
          3 * DC11 +
          38 * DC12 -
          38 * DC14 +
          3 * DC15 -
          3 * DC16 +
          13 * DC17 -
          13 * DC19 +
          3 * DC20 -
          DC21 -
          DC22 +
          DC24 +
          DC25
        : -7 * DC11 + 50 * DC12 - 50 * DC14 + 7 * DC15);
    block[1] = estimate(num, q[Q01], al);
  }
  if ((al = bits[2]) !== 0 && block[8] === 0) {
    const num =
      Q00 *
      (changeDc
        ? -DC01 -
          3 * DC02 -
          3 * DC03 -
          3 * DC04 -
          DC05 -
          DC06 +
          13 * DC07 +
          38 * DC08 +
          13 * DC09 -
          DC10 +
          DC16 -
          13 * DC17 -
          38 * DC18 -
          13 * DC19 +
          DC20 +
          DC21 +
          3 * DC22 +
          3 * DC23 +
          3 * DC24 +
          DC25
        : -7 * DC03 + 50 * DC08 - 50 * DC18 + 7 * DC23);
    block[8] = estimate(num, q[Q10], al);
  }
  if ((al = bits[3]) !== 0 && block[16] === 0) {
    const num =
      Q00 *
      (changeDc
        ? DC03 +
          2 * DC07 +
          7 * DC08 +
          2 * DC09 -
          5 * DC12 -
          14 * DC13 -
          5 * DC14 +
          2 * DC17 +
          7 * DC18 +
          2 * DC19 +
          DC23
        : -DC03 + 13 * DC08 - 24 * DC13 + 13 * DC18 - DC23);
    block[16] = estimate(num, q[Q20], al);
  }
  if ((al = bits[4]) !== 0 && block[9] === 0) {
    const num =
      Q00 *
      (changeDc
        ? -DC01 + DC05 + 9 * DC07 - 9 * DC09 - 9 * DC17 + 9 * DC19 + DC21 - DC25
        : DC10 + DC16 - 10 * DC17 + 10 * DC19 - DC02 - DC20 + DC22 - DC24 + DC04 - DC06 + 10 * DC07 - 10 * DC09);
    block[9] = estimate(num, q[Q11], al);
  }
  if ((al = bits[5]) !== 0 && block[2] === 0) {
    const num =
      Q00 *
      (changeDc
        ? 2 * DC07 -
          5 * DC08 +
          2 * DC09 +
          DC11 +
          7 * DC12 -
          14 * DC13 +
          7 * DC14 +
          DC15 +
          2 * DC17 -
          5 * DC18 +
          2 * DC19
        : -DC11 + 13 * DC12 - 24 * DC13 + 13 * DC14 - DC15);
    block[2] = estimate(num, q[Q02], al);
  }
  if (!changeDc) return;
  if ((al = bits[6]) !== 0 && block[3] === 0) {
    block[3] = estimate(Q00 * (DC07 - DC09 + 2 * DC12 - 2 * DC14 + DC17 - DC19), q[Q03], al);
  }
  if ((al = bits[7]) !== 0 && block[10] === 0) {
    block[10] = estimate(Q00 * (DC07 - 3 * DC08 + DC09 - DC17 + 3 * DC18 - DC19), q[Q12], al);
  }
  if ((al = bits[8]) !== 0 && block[17] === 0) {
    block[17] = estimate(Q00 * (DC07 - DC09 - 3 * DC12 + 3 * DC14 + DC17 - DC19), q[Q21], al);
  }
  if ((al = bits[9]) !== 0 && block[24] === 0) {
    block[24] = estimate(Q00 * (DC07 + 2 * DC08 + DC09 - DC17 - 2 * DC18 - DC19), q[Q30], al);
  }
  const num =
    Q00 *
    (-2 * DC01 -
      6 * DC02 -
      8 * DC03 -
      6 * DC04 -
      2 * DC05 -
      6 * DC06 +
      6 * DC07 +
      42 * DC08 +
      6 * DC09 -
      6 * DC10 -
      8 * DC11 +
      42 * DC12 +
      152 * DC13 +
      42 * DC14 -
      8 * DC15 -
      6 * DC16 +
      6 * DC17 +
      42 * DC18 +
      6 * DC19 -
      6 * DC20 -
      2 * DC21 -
      6 * DC22 -
      8 * DC23 -
      6 * DC24 -
      2 * DC25);
  block[0] = estimate(num, Q00, 0);
}
