// libjpeg's accurate integer inverse DCT (JDCT_ISLOW, jidctint.c): the Loeffler-Ligtenberg-Moschytz algorithm in
// 13-bit fixed point with 2 extra bits kept between the column and row passes. Every rounding step matches, so
// the output samples are bit-identical to libjpeg-turbo's.

const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** Wrap to int16, like a 16-bit SIMD add or multiply. */
function wrap16(x: number): number {
  return (x << 16) >> 16;
}

/** Saturate to int16, like packssdw. */
function sat16(x: number): number {
  return x < -32768 ? -32768 : x > 32767 ? 32767 : x;
}

/** Saturate to int8 (packsswb) and re-centre: the sample the SIMD IDCT stores. */
function sample(x: number): number {
  return x < -128 ? 0 : x > 127 ? 255 : x + 128;
}

/**
 * One 8x8 block: coefficients (natural order) times the quantization table, inverse-transformed into `out`.
 * out: samples, row stride `stride`, block's top-left at `outOffset`; coefs: Int16Array at `coefOffset` (64 values);
 * quant: 64 multipliers; workspace: Int32Array(64), reused between calls.
 *
 * The arithmetic is that of libjpeg-turbo's x86-64 SIMD ISLOW (jidctint-avx2.asm), which is what Pillow runs
 * on the reference machine: identical to jidctint.c for every sane block, but with 16-bit lanes, so on extreme
 * (corrupt or adversarial) coefficients the dequantized values and a few sums wrap to 16 bits and the results
 * saturate instead of wrapping through libjpeg's range-limit table.
 */
export function idctIslow(
  out: Uint8Array,
  outOffset: number,
  stride: number,
  coefs: Int16Array,
  coefOffset: number,
  quant: Int32Array,
  workspace: Int32Array,
): void {
  if (!idctIslowInRange(out, outOffset, stride, coefs, coefOffset, quant, workspace)) {
    idctIslowLanes(out, outOffset, stride, coefs, coefOffset, quant, workspace);
  }
}

/** The exact 16-bit-lane version, for blocks whose values leave the range where plain arithmetic agrees. */
function idctIslowLanes(
  out: Uint8Array,
  outOffset: number,
  stride: number,
  coefs: Int16Array,
  coefOffset: number,
  quant: Int32Array,
  workspace: Int32Array,
): void {
  const ws = workspace;
  // Pass 1: columns, results scaled up by 2**PASS1_BITS. With rows 1..7 all zero the SIMD code shifts the
  // dequantized first row in 16 bits (wrapping); otherwise every column goes through the full transform.
  let acRows = 0;
  for (let i = coefOffset + 8; i < coefOffset + 64; i++) acRows |= coefs[i];
  if (acRows === 0) {
    for (let col = 0; col < 8; col++) {
      const dc = wrap16(wrap16(coefs[coefOffset + col] * quant[col]) << PASS1_BITS);
      for (let r = 0; r < 64; r += 8) ws[r + col] = dc;
    }
  } else {
    for (let col = 0; col < 8; col++) {
      const c = coefOffset + col;
      const d0 = wrap16(coefs[c] * quant[col]);
      const d1 = wrap16(coefs[c + 8] * quant[col + 8]);
      const d2 = wrap16(coefs[c + 16] * quant[col + 16]);
      const d3 = wrap16(coefs[c + 24] * quant[col + 24]);
      const d4 = wrap16(coefs[c + 32] * quant[col + 32]);
      const d5 = wrap16(coefs[c + 40] * quant[col + 40]);
      const d6 = wrap16(coefs[c + 48] * quant[col + 48]);
      const d7 = wrap16(coefs[c + 56] * quant[col + 56]);
      transform1d(ws, col, 8, d0, d1, d2, d3, d4, d5, d6, d7, CONST_BITS - PASS1_BITS);
    }
  }
  // Pass 2: rows, descaled by 2**(PASS1_BITS + 3), saturated to samples.
  const tmp = ROW_OUT;
  for (let row = 0; row < 64; row += 8) {
    const o = outOffset + (row >> 3) * stride;
    const w0 = ws[row];
    const w1 = ws[row + 1];
    const w2 = ws[row + 2];
    const w3 = ws[row + 3];
    const w4 = ws[row + 4];
    const w5 = ws[row + 5];
    const w6 = ws[row + 6];
    const w7 = ws[row + 7];
    if ((w1 | w2 | w3 | w4 | w5 | w6 | w7) === 0) {
      out.fill(sample((w0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3)), o, o + 8);
      continue;
    }
    transform1d(tmp, 0, 1, w0, w1, w2, w3, w4, w5, w6, w7, CONST_BITS + PASS1_BITS + 3);
    for (let i = 0; i < 8; i++) out[o + i] = sample(tmp[i]);
  }
}

const ROW_OUT = new Int32Array(8);

/**
 * The 8-point LLM inverse transform of one column (step 8) or row (step 1) of 16-bit inputs, descaled by
 * `shift` with rounding and saturated to int16. Sums of two inputs wrap to 16 bits as the SIMD code's paddw does;
 * everything else is exact 32-bit arithmetic (pmaddwd), so for in-range data this is exactly jidctint.c.
 */
function transform1d(
  dst: Int32Array,
  at: number,
  step: number,
  d0: number,
  d1: number,
  d2: number,
  d3: number,
  d4: number,
  d5: number,
  d6: number,
  d7: number,
  shift: number,
): void {
  const round = 1 << (shift - 1);
  // Even part.
  const tmp3e = d2 * (FIX_0_541196100 + FIX_0_765366865) + d6 * FIX_0_541196100;
  const tmp2e = d2 * FIX_0_541196100 + d6 * (FIX_0_541196100 - FIX_1_847759065);
  const tmp0e = wrap16(d0 + d4) * (1 << CONST_BITS);
  const tmp1e = wrap16(d0 - d4) * (1 << CONST_BITS);
  const tmp10 = tmp0e + tmp3e;
  const tmp13 = tmp0e - tmp3e;
  const tmp11 = tmp1e + tmp2e;
  const tmp12 = tmp1e - tmp2e;
  // Odd part.
  const z3 = wrap16(d7 + d3);
  const z4 = wrap16(d5 + d1);
  const z3s = z3 * (FIX_1_175875602 - FIX_1_961570560) + z4 * FIX_1_175875602;
  const z4s = z3 * FIX_1_175875602 + z4 * (FIX_1_175875602 - FIX_0_390180644);
  const tmp0 = d7 * (FIX_0_298631336 - FIX_0_899976223) + d1 * -FIX_0_899976223 + z3s;
  const tmp1 = d5 * (FIX_2_053119869 - FIX_2_562915447) + d3 * -FIX_2_562915447 + z4s;
  const tmp2 = d5 * -FIX_2_562915447 + d3 * (FIX_3_072711026 - FIX_2_562915447) + z3s;
  const tmp3 = d7 * -FIX_0_899976223 + d1 * (FIX_1_501321110 - FIX_0_899976223) + z4s;
  dst[at] = sat16((tmp10 + tmp3 + round) >> shift);
  dst[at + 7 * step] = sat16((tmp10 - tmp3 + round) >> shift);
  dst[at + step] = sat16((tmp11 + tmp2 + round) >> shift);
  dst[at + 6 * step] = sat16((tmp11 - tmp2 + round) >> shift);
  dst[at + 2 * step] = sat16((tmp12 + tmp1 + round) >> shift);
  dst[at + 5 * step] = sat16((tmp12 - tmp1 + round) >> shift);
  dst[at + 3 * step] = sat16((tmp13 + tmp0 + round) >> shift);
  dst[at + 4 * step] = sat16((tmp13 - tmp0 + round) >> shift);
}

/** Largest magnitude of a pass input for which no 16-bit sum or shift in the SIMD code can wrap. */
const SAFE = 8191;

/**
 * The plain jidctint.c arithmetic (per-column and per-row shortcuts), used while every dequantized coefficient
 * and every intermediate stays within SAFE: there it equals the SIMD lanes exactly. Returns false, having written
 * nothing, as soon as a value leaves that range.
 */
function idctIslowInRange(
  out: Uint8Array,
  outOffset: number,
  stride: number,
  coefs: Int16Array,
  coefOffset: number,
  quant: Int32Array,
  ws: Int32Array,
): boolean {
  for (let col = 0; col < 8; col++) {
    const c = coefOffset + col;
    const d0 = coefs[c] * quant[col];
    if (d0 > SAFE || d0 < -SAFE) return false;
    if (
      (coefs[c + 8] | coefs[c + 16] | coefs[c + 24] | coefs[c + 32] | coefs[c + 40] | coefs[c + 48] | coefs[c + 56]) ===
      0
    ) {
      const dc = d0 << PASS1_BITS;
      ws[col] = dc;
      ws[col + 8] = dc;
      ws[col + 16] = dc;
      ws[col + 24] = dc;
      ws[col + 32] = dc;
      ws[col + 40] = dc;
      ws[col + 48] = dc;
      ws[col + 56] = dc;
      continue;
    }
    const d1 = coefs[c + 8] * quant[col + 8];
    const d2 = coefs[c + 16] * quant[col + 16];
    const d3 = coefs[c + 24] * quant[col + 24];
    const d4 = coefs[c + 32] * quant[col + 32];
    const d5 = coefs[c + 40] * quant[col + 40];
    const d6 = coefs[c + 48] * quant[col + 48];
    const d7 = coefs[c + 56] * quant[col + 56];
    if (
      d1 > SAFE ||
      d1 < -SAFE ||
      d2 > SAFE ||
      d2 < -SAFE ||
      d3 > SAFE ||
      d3 < -SAFE ||
      d4 > SAFE ||
      d4 < -SAFE ||
      d5 > SAFE ||
      d5 < -SAFE ||
      d6 > SAFE ||
      d6 < -SAFE ||
      d7 > SAFE ||
      d7 < -SAFE
    ) {
      return false;
    }
    let z1 = (d2 + d6) * FIX_0_541196100;
    let tmp2 = z1 + d6 * -FIX_1_847759065;
    let tmp3 = z1 + d2 * FIX_0_765366865;
    let tmp0 = (d0 + d4) << CONST_BITS;
    let tmp1 = (d0 - d4) << CONST_BITS;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    z1 = d7 + d1;
    let z2 = d5 + d3;
    let z3 = d7 + d3;
    let z4 = d5 + d1;
    const z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 = d7 * FIX_0_298631336;
    tmp1 = d5 * FIX_2_053119869;
    tmp2 = d3 * FIX_3_072711026;
    tmp3 = d1 * FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    const round = 1 << (CONST_BITS - PASS1_BITS - 1);
    const shift = CONST_BITS - PASS1_BITS;
    const w0 = (tmp10 + tmp3 + round) >> shift;
    const w7 = (tmp10 - tmp3 + round) >> shift;
    const w1 = (tmp11 + tmp2 + round) >> shift;
    const w6 = (tmp11 - tmp2 + round) >> shift;
    const w2 = (tmp12 + tmp1 + round) >> shift;
    const w5 = (tmp12 - tmp1 + round) >> shift;
    const w3 = (tmp13 + tmp0 + round) >> shift;
    const w4 = (tmp13 - tmp0 + round) >> shift;
    if (
      w0 > SAFE ||
      w0 < -SAFE ||
      w1 > SAFE ||
      w1 < -SAFE ||
      w2 > SAFE ||
      w2 < -SAFE ||
      w3 > SAFE ||
      w3 < -SAFE ||
      w4 > SAFE ||
      w4 < -SAFE ||
      w5 > SAFE ||
      w5 < -SAFE ||
      w6 > SAFE ||
      w6 < -SAFE ||
      w7 > SAFE ||
      w7 < -SAFE
    ) {
      return false;
    }
    ws[col] = w0;
    ws[col + 56] = w7;
    ws[col + 8] = w1;
    ws[col + 48] = w6;
    ws[col + 16] = w2;
    ws[col + 40] = w5;
    ws[col + 24] = w3;
    ws[col + 32] = w4;
  }

  const shift = CONST_BITS + PASS1_BITS + 3;
  const round = 1 << (shift - 1);
  for (let row = 0; row < 64; row += 8) {
    const o = outOffset + (row >> 3) * stride;
    const w0 = ws[row];
    const w1 = ws[row + 1];
    const w2 = ws[row + 2];
    const w3 = ws[row + 3];
    const w4 = ws[row + 4];
    const w5 = ws[row + 5];
    const w6 = ws[row + 6];
    const w7 = ws[row + 7];
    if ((w1 | w2 | w3 | w4 | w5 | w6 | w7) === 0) {
      const v = sample((w0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3));
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
      out[o + 3] = v;
      out[o + 4] = v;
      out[o + 5] = v;
      out[o + 6] = v;
      out[o + 7] = v;
      continue;
    }
    let z1 = (w2 + w6) * FIX_0_541196100;
    let tmp2 = z1 + w6 * -FIX_1_847759065;
    let tmp3 = z1 + w2 * FIX_0_765366865;
    let tmp0 = (w0 + w4) << CONST_BITS;
    let tmp1 = (w0 - w4) << CONST_BITS;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    z1 = w7 + w1;
    let z2 = w5 + w3;
    let z3 = w7 + w3;
    let z4 = w5 + w1;
    const z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 = w7 * FIX_0_298631336;
    tmp1 = w5 * FIX_2_053119869;
    tmp2 = w3 * FIX_3_072711026;
    tmp3 = w1 * FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    out[o] = sample((tmp10 + tmp3 + round) >> shift);
    out[o + 7] = sample((tmp10 - tmp3 + round) >> shift);
    out[o + 1] = sample((tmp11 + tmp2 + round) >> shift);
    out[o + 6] = sample((tmp11 - tmp2 + round) >> shift);
    out[o + 2] = sample((tmp12 + tmp1 + round) >> shift);
    out[o + 5] = sample((tmp12 - tmp1 + round) >> shift);
    out[o + 3] = sample((tmp13 + tmp0 + round) >> shift);
    out[o + 4] = sample((tmp13 - tmp0 + round) >> shift);
  }
  return true;
}
