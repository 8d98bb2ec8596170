// Pillow 9.4 `Image.resize` for 8-bit images (libImaging/Resample.c and the NEAREST path of Geometry.c),
// reproduced operation by operation so the output is bit-identical, not merely close: the HF processor
// resizes with Pillow, and a one-level difference here shows up in every pixel_values downstream.
// (docs/REFERENCE.md §2, "Pillow 9.4 resize")

/** Pillow's Image.Resampling values (the `resample` field of preprocessor_config.json). */
export const Resample = {
  NEAREST: 0,
  LANCZOS: 1,
  BILINEAR: 2,
  BICUBIC: 3,
  BOX: 4,
  HAMMING: 5,
} as const;
export type Resample = (typeof Resample)[keyof typeof Resample];

export function isResample(value: unknown): value is Resample {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 5;
}

interface Filter {
  weight(x: number): number;
  support: number;
}

// The filter functions follow Resample.c literally, including its float literals (0.54f, 0.46f) and
// expression order, because the weights are quantised afterwards and a different rounding could flip a tap.
const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);

function sinc(x: number): number {
  if (x === 0) return 1;
  x = x * Math.PI;
  return Math.sin(x) / x;
}

const FILTERS: Record<Exclude<Resample, 0>, Filter> = {
  [Resample.BOX]: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  [Resample.BILINEAR]: {
    support: 1,
    weight: (x) => {
      if (x < 0) x = -x;
      return x < 1 ? 1 - x : 0;
    },
  },
  [Resample.HAMMING]: {
    support: 1,
    weight: (x) => {
      if (x < 0) x = -x;
      if (x === 0) return 1;
      if (x >= 1) return 0;
      x = x * Math.PI;
      return (Math.sin(x) / x) * (HAMMING_A + HAMMING_B * Math.cos(x));
    },
  },
  [Resample.BICUBIC]: {
    support: 2,
    // Keys cubic convolution with a = -0.5.
    weight: (x) => {
      const a = -0.5;
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  [Resample.LANCZOS]: { support: 3, weight: (x) => (-3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

/** Fractional bits of the fixed-point weights: 32 - 8 (pixel) - 2 (headroom for negative lobes). */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

/** Per output position: first input tap, tap count, and `ksize` fixed-point weights. */
interface Coefficients {
  ksize: number;
  bounds: Int32Array; // [outSize * 2]: xmin, count
  weights: Int32Array; // [outSize * ksize]
}

/** precompute_coeffs + normalize_coeffs_8bpc for box (0, inSize). */
function precomputeCoefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  // Shrinking widens the kernel by the scale: Pillow always antialiases when downscaling.
  const filterscale = scale < 1 ? 1 : scale;
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterscale; // Pillow multiplies by the reciprocal; dividing would round differently.
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < count; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < count; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      // Round half away from zero, as normalize_coeffs_8bpc does.
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = count;
  }
  return { ksize, bounds, weights };
}

/** clip8: the accumulator (with its rounding half added) shifted down and clamped to a byte. */
function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Horizontal pass over rows [rowOffset, rowOffset + outH) of `src` into `out`. */
function resampleHorizontal(
  out: Uint8Array, // [outH, outW, channels]
  src: Uint8Array, // [*, inW, channels]
  inW: number,
  outW: number,
  outH: number,
  channels: number,
  rowOffset: number,
  coeffs: Coefficients,
): void {
  const { ksize, bounds, weights } = coeffs;
  for (let yy = 0; yy < outH; yy++) {
    const rowIn = (yy + rowOffset) * inW * channels;
    const rowOut = yy * outW * channels;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2];
      const count = bounds[xx * 2 + 1];
      const kOff = xx * ksize;
      for (let c = 0; c < channels; c++) {
        let acc = HALF;
        let p = rowIn + xmin * channels + c;
        for (let x = 0; x < count; x++, p += channels) acc += src[p] * weights[kOff + x];
        out[rowOut + xx * channels + c] = clip8(acc);
      }
    }
  }
}

/** Vertical pass: every output row is a weighted sum of input rows. */
function resampleVertical(
  out: Uint8Array, // [outH, width, channels]
  src: Uint8Array, // [*, width, channels]
  width: number,
  outH: number,
  channels: number,
  coeffs: Coefficients,
): void {
  const { ksize, bounds, weights } = coeffs;
  const rowLen = width * channels;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2];
    const count = bounds[yy * 2 + 1];
    const kOff = yy * ksize;
    for (let i = 0; i < rowLen; i++) {
      let acc = HALF;
      let p = ymin * rowLen + i;
      for (let y = 0; y < count; y++, p += rowLen) acc += src[p] * weights[kOff + y];
      out[yy * rowLen + i] = clip8(acc);
    }
  }
}

/** ImagingScaleAffine: NEAREST takes the pixel under each output centre, positions accumulated in double. */
function resizeNearest(
  out: Uint8Array,
  src: Uint8Array,
  inW: number,
  inH: number,
  channels: number,
  outW: number,
  outH: number,
): void {
  const ax = inW / outW;
  const ay = inH / outH;
  const xintab = new Int32Array(outW);
  // Pillow advances the coordinate by repeated addition (xo += a[0]), not xx * scale: keep that.
  let xo = ax * 0.5;
  // A position that falls outside the input (it cannot for a plain resize, but Pillow checks) stays 0.
  for (let x = 0; x < outW; x++) {
    const xin = Math.trunc(xo);
    xintab[x] = xin < inW ? xin : -1;
    xo += ax;
  }
  let yo = ay * 0.5;
  for (let y = 0; y < outH; y++) {
    const yi = Math.trunc(yo);
    yo += ay;
    if (yi >= inH) continue;
    const rowIn = yi * inW * channels;
    const rowOut = y * outW * channels;
    for (let x = 0; x < outW; x++) {
      if (xintab[x] < 0) continue;
      const p = rowIn + xintab[x] * channels;
      for (let c = 0; c < channels; c++) out[rowOut + x * channels + c] = src[p + c];
    }
  }
}

/**
 * `Image.fromarray(src).resize((outW, outH), filter, reducing_gap=None)` for an 8-bit "L" (1 channel)
 * or "RGB" (3 channels) image stored interleaved row-major. Returns a new [outH, outW, channels] array.
 */
export function resize(
  src: Uint8Array, // [inH, inW, channels]
  inW: number,
  inH: number,
  channels: number,
  outW: number,
  outH: number,
  filter: Resample,
): Uint8Array {
  for (const [name, v] of [
    ["input width", inW],
    ["input height", inH],
    ["output width", outW],
    ["output height", outH],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`resize: ${name} must be a positive integer, got ${v}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`resize: channels must be 1 or 3, got ${channels}`);
  if (src.length !== inW * inH * channels) {
    throw new Error(
      `resize: data has ${src.length} bytes, expected ${inW}x${inH}x${channels} = ${inW * inH * channels}`,
    );
  }
  if (!isResample(filter)) throw new Error(`resize: unknown resampling filter ${String(filter)}`);

  const out = new Uint8Array(outW * outH * channels);
  if (inW === outW && inH === outH) {
    out.set(src);
    return out;
  }
  if (filter === Resample.NEAREST) {
    resizeNearest(out, src, inW, inH, channels, outW, outH);
    return out;
  }
  const f = FILTERS[filter];
  const horizontal = precomputeCoefficients(inW, outW, f);
  const vertical = precomputeCoefficients(inH, outH, f);
  if (inW === outW) {
    resampleVertical(out, src, inW, outH, channels, vertical);
    return out;
  }
  // The horizontal pass only computes the input rows the vertical pass will read, then the vertical
  // bounds are shifted to that band (same result as a full pass; this is what Pillow does).
  const firstRow = vertical.bounds[0];
  const lastRow = vertical.bounds[outH * 2 - 2] + vertical.bounds[outH * 2 - 1];
  const bandH = inH === outH ? inH : lastRow - firstRow;
  const rowOffset = inH === outH ? 0 : firstRow;
  const band = inH === outH ? out : new Uint8Array(outW * bandH * channels);
  resampleHorizontal(band, src, inW, outW, bandH, channels, rowOffset, horizontal);
  if (inH === outH) return out;
  for (let i = 0; i < outH; i++) vertical.bounds[i * 2] -= firstRow;
  resampleVertical(out, band, outW, outH, channels, vertical);
  return out;
}
