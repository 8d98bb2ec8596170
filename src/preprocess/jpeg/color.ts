// libjpeg's fixed-point colour conversion (jdcolor.c): YCbCr -> RGB through 16-bit-scaled tables, and the
// YCCK -> CMYK variant; plus Pillow's "CMYK;I" unpacking, which inverts libjpeg's (Adobe-polarity) CMYK.

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number): number => Math.round(x * (1 << SCALEBITS));

/** Tables indexed by the Cb or Cr sample: R and B offsets already rounded, G terms still scaled by 2**16. */
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** out: RGB interleaved at `o`; y/cb/cr: component rows (array, offset) of `width` samples. */
export function yccToRgbRow(
  out: Uint8Array,
  o: number,
  y: Uint8Array,
  yo: number,
  cb: Uint8Array,
  cbo: number,
  cr: Uint8Array,
  cro: number,
  width: number,
): void {
  for (let x = 0; x < width; x++) {
    const l = y[yo + x];
    const b = cb[cbo + x];
    const r = cr[cro + x];
    out[o++] = clamp(l + CR_R[r]);
    out[o++] = clamp(l + ((CB_G[b] + CR_G[r]) >> SCALEBITS));
    out[o++] = clamp(l + CB_B[b]);
  }
}

/** Interleave `count` component rows unchanged (greyscale, RGB and plain CMYK files). */
export function interleaveRow(
  out: Uint8Array,
  o: number,
  rows: [Uint8Array, number][],
  width: number,
  invert: boolean,
): void {
  const count = rows.length;
  for (let c = 0; c < count; c++) {
    const [row, ro] = rows[c];
    let p = o + c;
    if (invert) for (let x = 0; x < width; x++, p += count) out[p] = 255 - row[ro + x];
    else for (let x = 0; x < width; x++, p += count) out[p] = row[ro + x];
  }
}

/**
 * YCCK -> CMYK as libjpeg does it (C = 255 - R ...), followed by Pillow's inversion of every channel: the net
 * result is R, G, B and 255 - K.
 */
export function ycckToInvertedCmykRow(out: Uint8Array, o: number, rows: [Uint8Array, number][], width: number): void {
  const [y, yo] = rows[0];
  const [cb, cbo] = rows[1];
  const [cr, cro] = rows[2];
  const [k, ko] = rows[3];
  for (let x = 0; x < width; x++) {
    const l = y[yo + x];
    const b = cb[cbo + x];
    const r = cr[cro + x];
    out[o++] = clamp(l + CR_R[r]);
    out[o++] = clamp(l + ((CB_G[b] + CR_G[r]) >> SCALEBITS));
    out[o++] = clamp(l + CB_B[b]);
    out[o++] = 255 - k[ko + x];
  }
}
