// libjpeg's accurate integer inverse DCT (JDCT_ISLOW, jidctint.c): the Loeffler-Ligtenberg-Moschytz algorithm in
// 13-bit fixed point with 2 extra bits kept between the column and row passes. Every rounding step matches, so
// the output samples are bit-identical to libjpeg-turbo's (whose SIMD versions are exact equivalents).

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

/**
 * libjpeg's post-IDCT range limit (jdmaster.c prepare_range_limit_table) indexed by (value & 1023): value + 128
 * clamped to 0..255 for -512..511, wrapping beyond that like the C table.
 */
export const RANGE_LIMIT = (() => {
  const table = new Uint8Array(1024);
  for (let i = 0; i < 1024; i++) {
    const x = i < 512 ? i : i - 1024;
    table[i] = x < -384 ? 0 : Math.max(0, Math.min(255, x + 128));
  }
  return table;
})();

/**
 * One 8x8 block: coefficients (natural order) times the quantization table, inverse-transformed into `out`.
 * out: samples, row stride `stride`, block's top-left at `outOffset`; coefs: Int16Array at `coefOffset` (64 values);
 * quant: 64 multipliers; workspace: Int32Array(64), reused between calls.
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
  const ws = workspace;
  // Pass 1: columns, results scaled up by 2**PASS1_BITS.
  for (let col = 0; col < 8; col++) {
    const c = coefOffset + col;
    const d1 = coefs[c + 8];
    const d2 = coefs[c + 16];
    const d3 = coefs[c + 24];
    const d4 = coefs[c + 32];
    const d5 = coefs[c + 40];
    const d6 = coefs[c + 48];
    const d7 = coefs[c + 56];
    if ((d1 | d2 | d3 | d4 | d5 | d6 | d7) === 0) {
      const dc = (coefs[c] * quant[col]) << PASS1_BITS;
      for (let r = 0; r < 64; r += 8) ws[r + col] = dc;
      continue;
    }
    let z2 = d2 * quant[col + 16];
    let z3 = d6 * quant[col + 48];
    let z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 + z3 * -FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    z2 = coefs[c] * quant[col];
    z3 = d4 * quant[col + 32];
    let tmp0 = (z2 + z3) << CONST_BITS;
    let tmp1 = (z2 - z3) << CONST_BITS;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;

    tmp0 = d7 * quant[col + 56];
    tmp1 = d5 * quant[col + 40];
    tmp2 = d3 * quant[col + 24];
    tmp3 = d1 * quant[col + 8];
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    let z4 = tmp1 + tmp3;
    const z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 *= FIX_0_298631336;
    tmp1 *= FIX_2_053119869;
    tmp2 *= FIX_3_072711026;
    tmp3 *= FIX_1_501321110;
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
    ws[col] = (tmp10 + tmp3 + round) >> shift;
    ws[col + 56] = (tmp10 - tmp3 + round) >> shift;
    ws[col + 8] = (tmp11 + tmp2 + round) >> shift;
    ws[col + 48] = (tmp11 - tmp2 + round) >> shift;
    ws[col + 16] = (tmp12 + tmp1 + round) >> shift;
    ws[col + 40] = (tmp12 - tmp1 + round) >> shift;
    ws[col + 24] = (tmp13 + tmp0 + round) >> shift;
    ws[col + 32] = (tmp13 - tmp0 + round) >> shift;
  }

  // Pass 2: rows, descaled by 2**(PASS1_BITS + 3) and range-limited to samples.
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
      const v = RANGE_LIMIT[((w0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3)) & 1023];
      out.fill(v, o, o + 8);
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

    out[o] = RANGE_LIMIT[((tmp10 + tmp3 + round) >> shift) & 1023];
    out[o + 7] = RANGE_LIMIT[((tmp10 - tmp3 + round) >> shift) & 1023];
    out[o + 1] = RANGE_LIMIT[((tmp11 + tmp2 + round) >> shift) & 1023];
    out[o + 6] = RANGE_LIMIT[((tmp11 - tmp2 + round) >> shift) & 1023];
    out[o + 2] = RANGE_LIMIT[((tmp12 + tmp1 + round) >> shift) & 1023];
    out[o + 5] = RANGE_LIMIT[((tmp12 - tmp1 + round) >> shift) & 1023];
    out[o + 3] = RANGE_LIMIT[((tmp13 + tmp0 + round) >> shift) & 1023];
    out[o + 4] = RANGE_LIMIT[((tmp13 - tmp0 + round) >> shift) & 1023];
  }
}
