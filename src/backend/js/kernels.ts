// The pure-TypeScript twins of the wasm kernels (assembly/*.ts): same arguments (byte offsets into the
// heap, sizes, then the range a thread owns), same channels-first plane layout. Used where WebAssembly
// SIMD is missing or CONVNEXT_BACKEND=js. Each function is self-contained (only Math, Error and its arguments),
// because worker threads receive them as source text; the shared constants come in the memory argument.

import type { KernelConstants } from "../kernel-constants.generated.js";

export interface JsMemory {
  f32: Float32Array;
  f64: Float64Array;
  /** assembly/constants.mjs */
  k: KernelConstants;
  /** Every float16 / bfloat16 bit pattern's float32 value, made on first use (halfTable). */
  f16Table?: Float32Array;
  bf16Table?: Float32Array;
}

/**
 * GELU in float64 as PyTorch writes it, x * (1/2 + erf(x / sqrt 2) / 2), with the rational erf of
 * assembly/gelu.ts (the fit's coefficients before rounding to float32: relative error 2.5e-8 of erf / 2,
 * tools/fit-gelu.py); beyond |x| = 3.88 sqrt 2 erf rounds to +-1 in float32. Half the operations of the
 * exp-based Phi(-|x|) it replaced; error bounds in test/backend/kernels-fast.test.ts.
 */
export function geluScalar(x: number, k: KernelConstants): number {
  if (!(Math.abs(x) <= k.GELU_LIMIT)) return x < 0 ? x * 0 : x; // -0 for large negative x, NaN stays NaN
  const s = x * x;
  const n = ((((k.GELU_N5 * s + k.GELU_N4) * s + k.GELU_N3) * s + k.GELU_N2) * s + k.GELU_N1) * s + k.GELU_N0;
  const d = ((((s + k.GELU_D4) * s + k.GELU_D3) * s + k.GELU_D2) * s + k.GELU_D1) * s + k.GELU_D0;
  const phi = 0.5 + (x * n) / d;
  return phi > 0 ? x * phi : x * 0;
}

/**
 * See assembly/gemm.ts: out[img, m, p] (mode: GEMM_MODE_* of assembly/constants.mjs, and the weights'
 * format: GEMM_WEIGHTS_F16 / _BF16), rows m0..m1.
 */
export function gemm(
  mem: JsMemory,
  out: number,
  w: number,
  x: number,
  bias: number,
  gamma: number,
  M: number,
  K: number,
  P: number,
  nImg: number,
  mode: number,
  packBase: number,
  packBytes: number,
  pixels: number,
  r0: number,
  r1: number,
  tid: number,
): void {
  gemmPanels(mem, out, w, 0, x, bias, gamma, M, K, P, nImg, mode, packBase, packBytes, pixels, r0, r1, tid);
}

/** See assembly/gemm-int8.ts: int8 weights w [M, K] with scales [M], x quantized per pixel as it is packed. */
export function gemmInt8(
  mem: JsMemory,
  out: number,
  w: number,
  scale: number,
  x: number,
  bias: number,
  gamma: number,
  M: number,
  K: number,
  P: number,
  nImg: number,
  mode: number,
  packBase: number,
  packBytes: number,
  pixels: number,
  r0: number,
  r1: number,
  tid: number,
): void {
  gemmPanels(mem, out, w, scale, x, bias, gamma, M, K, P, nImg, mode, packBase, packBytes, pixels, r0, r1, tid);
}

/**
 * Both GEMMs. A 4-row x 4-pixel tile of float64 accumulators; both operands come from packed float64 panels
 * that the k loop reads front to back: a panel of up to NC pixels of x (4-pixel strips, [strip][k][4]) reused
 * by every row block, and the 4 weight rows of the block ([k][4]) reused by every strip of the panel. Panels
 * (not single strips) keep the weights from being streamed from L3 once per 4 pixels. Packing is where the
 * weight formats differ (float32, 16-bit widened, int8) and where x is quantized for int8 weights (scale != 0:
 * the panel holds u - zero per value and each pixel's scale after the values); products of those small
 * integers sum exactly in float64, so the int8 path gets the wasm kernel's int32 sums.
 */
export function gemmPanels(
  mem: JsMemory,
  out: number,
  w: number,
  scale: number,
  x: number,
  bias: number,
  gamma: number,
  M: number,
  K: number,
  P: number,
  nImg: number,
  mode: number,
  packBase: number,
  packBytes: number,
  pixels: number,
  r0: number,
  r1: number,
  tid: number,
): void {
  const f = mem.f32;
  const d = mem.f64;
  const format = mode & (mem.k.GEMM_WEIGHTS_F16 | mem.k.GEMM_WEIGHTS_BF16);
  const epilogue = mode & ~format;
  const gelu = epilogue === mem.k.GEMM_MODE_GELU;
  const scaled = epilogue === mem.k.GEMM_MODE_SCALE_RESIDUAL;
  const accumulate = scaled || epilogue === mem.k.GEMM_MODE_RESIDUAL;
  const columnBias = epilogue === mem.k.GEMM_MODE_COLUMN_BIAS; // added in a pass of its own, below
  const int8 = scale !== 0;
  if (packBytes >> 3 < 8 * K) {
    throw new Error(`js gemm: K = ${K} needs ${64 * K} bytes of pack space per thread, got ${packBytes}`);
  }
  // the weights' rows as 16-bit or 8-bit elements; 16-bit floats widened by table
  const u16 = format !== 0 ? new Uint16Array(f.buffer) : null;
  const i8 = int8 ? new Int8Array(f.buffer) : null;
  const table = format !== 0 ? halfTable(mem, format === mem.k.GEMM_WEIGHTS_BF16) : f;
  const wp = (packBase + tid * packBytes) >> 3; // the weight panel, 4 * K doubles
  const xp = wp + 4 * K; // the x panel, then (int8) its pixels' scales
  // pixels per x panel: what fits next to the weight panel, at most 512 KB (half of L2), >= 4
  const fit = Math.min(65536, (packBytes >> 3) - 4 * K); // >= 4 K: checked above
  const perPixel = int8 ? K + 1 : K;
  const NC = Math.max(4, Math.min(P, Math.floor(fit / (4 * perPixel)) * 4));
  const xs = xp + NC * K; // int8: the pixel scales of the panel
  const o0 = out >> 2;
  const w0 = int8 ? w : format !== 0 ? w >> 1 : w >> 2; // the weights' element index
  const b0 = bias >> 2;
  const g0 = gamma >> 2;
  const s0 = scale >> 2;
  // [r0, r1) counts output rows over all images (img * M + m), as in assembly/gemm.ts
  const imgEnd = Math.min(nImg, Math.ceil(r1 / M));
  for (let img = Math.floor(r0 / M); img < imgEnd; img++) {
    const m0 = Math.max(0, r0 - img * M);
    const m1 = Math.min(M, r1 - img * M);
    const xi = (x >> 2) + img * K * P;
    const oi = o0 + img * M * P;
    for (let p0 = 0; p0 < P; p0 += NC) {
      const p1 = Math.min(P, p0 + NC);
      for (let p = p0, dst = xp; p < p1; p += 4, dst += 4 * K) {
        if (int8) quantizeStrip(d, dst, xs + p - p0, f, xi + p, K, P);
        else {
          for (let k = 0, src = xi + p, o = dst; k < K; k++, src += P, o += 4) {
            d[o] = f[src];
            d[o + 1] = f[src + 1];
            d[o + 2] = f[src + 2];
            d[o + 3] = f[src + 3];
          }
        }
      }
      for (let m = m0; m < m1; m += 4) {
        const rows = Math.min(4, m1 - m);
        const wa = w0 + m * K;
        const wb = rows > 1 ? wa + K : wa;
        const wc = rows > 2 ? wa + 2 * K : wa;
        const wd = rows > 3 ? wa + 3 * K : wa;
        for (let k = 0, dst = wp; k < K; k++, dst += 4) {
          if (i8) {
            d[dst] = i8[wa + k];
            d[dst + 1] = i8[wb + k];
            d[dst + 2] = i8[wc + k];
            d[dst + 3] = i8[wd + k];
          } else if (u16) {
            d[dst] = table[u16[wa + k]];
            d[dst + 1] = table[u16[wb + k]];
            d[dst + 2] = table[u16[wc + k]];
            d[dst + 3] = table[u16[wd + k]];
          } else {
            d[dst] = f[wa + k];
            d[dst + 1] = f[wb + k];
            d[dst + 2] = f[wc + k];
            d[dst + 3] = f[wd + k];
          }
        }
        // 4-pixel strips past the real pixels (plane padding) are skipped
        const pReal = Math.min(p1, Math.ceil(pixels / 4) * 4);
        for (let p = p0, xo0 = xp; p < pReal; p += 4, xo0 += 4 * K) {
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0_ = 0, b1 = 0, b2 = 0, b3 = 0; // prettier-ignore
          let c0 = 0, c1 = 0, c2 = 0, c3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0; // prettier-ignore
          // int32 index arithmetic (| 0): no overflow checks in the hot loop
          for (let k = 0, xo = xo0, wo = wp; k < K; k = (k + 1) | 0, xo = (xo + 4) | 0, wo = (wo + 4) | 0) {
            const v0 = d[xo], v1 = d[(xo + 1) | 0], v2 = d[(xo + 2) | 0], v3 = d[(xo + 3) | 0]; // prettier-ignore
            const s = d[wo], t = d[(wo + 1) | 0], u = d[(wo + 2) | 0], r = d[(wo + 3) | 0]; // prettier-ignore
            a0 += s * v0;
            a1 += s * v1;
            a2 += s * v2;
            a3 += s * v3;
            b0_ += t * v0;
            b1 += t * v1;
            b2 += t * v2;
            b3 += t * v3;
            c0 += u * v0;
            c1 += u * v1;
            c2 += u * v2;
            c3 += u * v3;
            d0 += r * v0;
            d1 += r * v1;
            d2 += r * v2;
            d3 += r * v3;
          }
          if (int8) {
            // f32(acc) * f32(scale[m] * xscale[p]), as assembly/gemm-int8.ts
            const q = xs + p - p0;
            const e0 = d[q], e1 = d[q + 1], e2 = d[q + 2], e3 = d[q + 3]; // prettier-ignore
            const sa = f[s0 + m];
            a0 = dequantize(a0, sa, e0);
            a1 = dequantize(a1, sa, e1);
            a2 = dequantize(a2, sa, e2);
            a3 = dequantize(a3, sa, e3);
            const sb = rows > 1 ? f[s0 + m + 1] : 0;
            b0_ = dequantize(b0_, sb, e0);
            b1 = dequantize(b1, sb, e1);
            b2 = dequantize(b2, sb, e2);
            b3 = dequantize(b3, sb, e3);
            const sc = rows > 2 ? f[s0 + m + 2] : 0;
            c0 = dequantize(c0, sc, e0);
            c1 = dequantize(c1, sc, e1);
            c2 = dequantize(c2, sc, e2);
            c3 = dequantize(c3, sc, e3);
            const sd = rows > 3 ? f[s0 + m + 3] : 0;
            d0 = dequantize(d0, sd, e0);
            d1 = dequantize(d1, sd, e1);
            d2 = dequantize(d2, sd, e2);
            d3 = dequantize(d3, sd, e3);
          }
          const o = oi + m * P + p;
          const rb = columnBias ? -1 : b0; // -1: no row bias
          gemmStore(f, o, a0, a1, a2, a3, rb < 0 ? 0 : f[rb + m], scaled ? f[g0 + m] : 1, accumulate);
          if (rows > 1) gemmStore(f, o + P, b0_, b1, b2, b3, rb < 0 ? 0 : f[rb + m + 1], scaled ? f[g0 + m + 1] : 1, accumulate); // prettier-ignore
          if (rows > 2) gemmStore(f, o + 2 * P, c0, c1, c2, c3, rb < 0 ? 0 : f[rb + m + 2], scaled ? f[g0 + m + 2] : 1, accumulate); // prettier-ignore
          if (rows > 3) gemmStore(f, o + 3 * P, d0, d1, d2, d3, rb < 0 ? 0 : f[rb + m + 3], scaled ? f[g0 + m + 3] : 1, accumulate); // prettier-ignore
        }
      }
    }
    // GELU in its own pass over the rows just written, not in the tile epilogue (16 inlined copies there
    // were slower: bench/RESULTS.md)
    if (gelu) for (let i = oi + m0 * P, end = oi + m1 * P; i < end; i++) f[i] = geluScalar(f[i], mem.k);
    if (columnBias) for (let m = m0; m < m1; m++) for (let p = 0; p < pixels; p++) f[oi + m * P + p] += f[b0 + p];
  }
}

/**
 * The float32 value of every float16 (or bfloat16) bit pattern, made once per thread and kept on its memory
 * object (256 KB each): widening a weight is then one load, where bit casts or arithmetic per weight cost
 * 3-4 times as much (the 16-bit GEMM widens each 4-row block once per x panel).
 */
export function halfTable(mem: JsMemory, bf16: boolean): Float32Array {
  const known = bf16 ? mem.bf16Table : mem.f16Table;
  if (known) return known;
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    if (bf16) {
      bits[h] = h << 16;
      continue;
    }
    const e = (h >> 10) & 31;
    const m = h & 1023;
    const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1024 + m) * 2 ** (e - 25);
    table[h] = h & 0x8000 ? -v : v;
  }
  if (bf16) mem.bf16Table = table;
  else mem.f16Table = table;
  return table;
}

/**
 * See assembly/gemm-int8.ts (quantizePanel): pixels x[0..3] of K planes (P floats apart) quantized into
 * d[dst + 4k + j] = u - zero, and each pixel's scale into d[scales + j]; src/ops/quantize.ts defines it.
 */
export function quantizeStrip(
  d: Float64Array,
  dst: number,
  scales: number,
  f: Float32Array,
  x: number,
  K: number,
  P: number,
): void {
  for (let j = 0; j < 4; j++) {
    let lo = 0;
    let hi = 0;
    for (let k = 0, src = x + j; k < K; k++, src += P) {
      const v = f[src];
      lo = v < lo ? v : lo;
      hi = hi < v ? v : hi;
    }
    const range = Math.fround(hi - lo);
    const inv = range > 0 ? Math.fround(255 / range) : 0;
    d[scales + j] = Math.fround(range / 255);
    const zero = roundLevel(Math.fround(-lo * inv), 0);
    for (let k = 0, src = x + j, o = dst + j; k < K; k++, src += P, o += 4) {
      d[o] = roundLevel(Math.fround(f[src] * inv), zero) - zero;
    }
  }
}

/** round(a + zero) by the float32 sum a + (zero + 2^23), clamped to levels [0, 255] (NaN -> 0). */
export function roundLevel(a: number, zero: number): number {
  const t = Math.fround(a + (zero + 8388608));
  const lo = 8388608 < t ? t : 8388608;
  return (8388863 < lo ? 8388863 : lo) - 8388608;
}

/** An int8 GEMM sum to float32: f32(acc) * f32(scale * xscale). */
export function dequantize(acc: number, scale: number, xscale: number): number {
  return Math.fround(Math.fround(acc) * Math.fround(scale * xscale));
}

/** The GEMM epilogue for 4 adjacent outputs: bias, then scaled residual / residual (GELU: see gemm). */
export function gemmStore(
  f: Float32Array,
  o: number,
  v0: number,
  v1: number,
  v2: number,
  v3: number,
  bias: number,
  scale: number,
  accumulate: boolean,
): void {
  // round to float32 first, as the wasm and reference kernels store it
  const r0 = Math.fround(v0 + bias);
  const r1 = Math.fround(v1 + bias);
  const r2 = Math.fround(v2 + bias);
  const r3 = Math.fround(v3 + bias);
  if (!accumulate) {
    f[o] = r0;
    f[o + 1] = r1;
    f[o + 2] = r2;
    f[o + 3] = r3;
  } else {
    f[o] += scale * r0;
    f[o + 1] += scale * r1;
    f[o + 2] += scale * r2;
    f[o + 3] += scale * r3;
  }
}

/**
 * See assembly/dwconv.ts (no scratch needed here: borders are clipped per output row). For 7x7, each
 * kernel row is one pass over the output row with its 7 weights and a sliding window of 7 inputs in
 * locals: 1 input load and 1 output update per 7 products, instead of 7 and 7.
 */
export function dwconv(
  mem: JsMemory,
  out: number,
  x: number,
  w: number,
  bias: number,
  C: number,
  H: number,
  W: number,
  P: number,
  k: number,
  pad: number,
  _scratchBase: number,
  _scratchBytes: number,
  q0: number,
  q1: number,
): void {
  const f = mem.f32;
  for (let q = q0; q < q1; q++) {
    const c = q % C;
    const xq = (x >> 2) + q * P;
    const oq = (out >> 2) + q * P;
    const wc = (w >> 2) + c * k * k;
    const b = f[(bias >> 2) + c];
    for (let oy = 0; oy < H; oy++) {
      const row = oq + oy * W;
      for (let ox = 0; ox < W; ox++) f[row + ox] = b;
      for (let ky = 0; ky < k; ky++) {
        const iy = oy + ky - pad;
        if (iy < 0 || iy >= H) continue;
        const src = xq + iy * W;
        const wr = wc + ky * k;
        if (k === 7) {
          const w0 = f[wr], w1 = f[wr + 1], w2 = f[wr + 2], w3 = f[wr + 3], w4 = f[wr + 4], w5 = f[wr + 5], w6 = f[wr + 6]; // prettier-ignore
          // the window holds input columns ox - 3 .. ox + 3 (zero outside the row)
          let x0 = 0, x1 = 0, x2 = 0, x3 = f[src], x4 = W > 1 ? f[src + 1] : 0, x5 = W > 2 ? f[src + 2] : 0; // prettier-ignore
          for (let ox = 0; ox < W; ox++) {
            const x6 = ox + 3 < W ? f[src + ox + 3] : 0;
            f[row + ox] += w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3 + w4 * x4 + w5 * x5 + w6 * x6;
            x0 = x1;
            x1 = x2;
            x2 = x3;
            x3 = x4;
            x4 = x5;
            x5 = x6;
          }
          continue;
        }
        for (let kx = 0; kx < k; kx++) {
          const wv = f[wr + kx];
          // output columns whose input column ox + kx - pad lies inside the row
          const lo = Math.max(0, pad - kx);
          const hi = Math.min(W, W + pad - kx);
          const shift = kx - pad;
          for (let ox = lo; ox < hi; ox++) f[row + ox] += wv * f[src + ox + shift];
        }
      }
    }
  }
}

/** See assembly/layernorm.ts: pixel groups of 8, g0..g1 over all images. */
export function layerNormCF(
  mem: JsMemory,
  out: number,
  x: number,
  w: number,
  b: number,
  C: number,
  P: number,
  eps: number,
  g0: number,
  g1: number,
): void {
  const f = mem.f32;
  const groups = P >> 3;
  const mean = new Float64Array(8);
  const std = new Float64Array(8);
  for (let g = g0; g < g1; g++) {
    const base = Math.floor(g / groups) * C * P + (g % groups) * 8;
    const xb = (x >> 2) + base;
    const ob = (out >> 2) + base;
    mean.fill(0);
    std.fill(0);
    for (let c = 0; c < C; c++) for (let j = 0; j < 8; j++) mean[j] += f[xb + c * P + j];
    for (let j = 0; j < 8; j++) mean[j] /= C;
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < 8; j++) {
        const d = f[xb + c * P + j] - mean[j];
        std[j] += d * d;
      }
    }
    for (let j = 0; j < 8; j++) std[j] = Math.sqrt(std[j] / C + eps);
    for (let c = 0; c < C; c++) {
      const wc = f[(w >> 2) + c];
      const bc = f[(b >> 2) + c];
      for (let j = 0; j < 8; j++) f[ob + c * P + j] = wc * ((f[xb + c * P + j] - mean[j]) / std[j]) + bc;
    }
  }
}

/** See assembly/grn.ts. */
export function grnNorms(mem: JsMemory, norms: number, x: number, HW: number, P: number, q0: number, q1: number): void {
  const f = mem.f32;
  for (let q = q0; q < q1; q++) {
    const xq = (x >> 2) + q * P;
    let sum = 0;
    for (let i = 0; i < HW; i++) sum += f[xq + i] * f[xq + i];
    mem.f64[(norms >> 3) + q] = Math.sqrt(sum);
  }
}

export function grnApply(
  mem: JsMemory,
  x: number,
  gamma: number,
  beta: number,
  scale: number,
  C: number,
  P: number,
  q0: number,
  q1: number,
): void {
  const f = mem.f32;
  for (let q = q0; q < q1; q++) {
    const c = q % C;
    const xq = (x >> 2) + q * P;
    const g = f[(gamma >> 2) + c];
    const b = f[(beta >> 2) + c];
    const s = f[(scale >> 2) + q];
    for (let i = 0; i < P; i++) {
      const v = f[xq + i];
      f[xq + i] = g * (v * s) + b + v;
    }
  }
}

/** See assembly/layout.ts. */
export function spaceToDepth(
  mem: JsMemory,
  out: number,
  x: number,
  H: number,
  W: number,
  Pin: number,
  k: number,
  Pout: number,
  q0: number,
  q1: number,
): void {
  const f = mem.f32;
  const OH = Math.floor(H / k);
  const OW = Math.floor(W / k);
  for (let q = q0; q < q1; q++) {
    const xq = (x >> 2) + q * Pin;
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const oq = (out >> 2) + ((q * k + ky) * k + kx) * Pout;
        for (let oy = 0; oy < OH; oy++) {
          const src = xq + (oy * k + ky) * W + kx;
          const dst = oq + oy * OW;
          for (let ox = 0; ox < OW; ox++) f[dst + ox] = f[src + ox * k];
        }
      }
    }
  }
}

/** See assembly/im2col.ts. */
export function im2col(
  mem: JsMemory,
  out: number,
  x: number,
  H: number,
  W: number,
  Pin: number,
  k: number,
  stride: number,
  pad: number,
  OH: number,
  OW: number,
  Pout: number,
  q0: number,
  q1: number,
): void {
  const f = mem.f32;
  for (let q = q0; q < q1; q++) {
    const xq = (x >> 2) + q * Pin;
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const oq = (out >> 2) + ((q * k + ky) * k + kx) * Pout;
        for (let oy = 0; oy < OH; oy++) {
          const iy = oy * stride + ky - pad;
          const dst = oq + oy * OW;
          for (let ox = 0; ox < OW; ox++) {
            const ix = ox * stride + kx - pad;
            f[dst + ox] = iy < 0 || iy >= H || ix < 0 || ix >= W ? 0 : f[xq + iy * W + ix];
          }
        }
      }
    }
  }
}

/** See assembly/pool.ts. */
export function globalAvgPool(
  mem: JsMemory,
  out: number,
  x: number,
  C: number,
  P: number,
  HW: number,
  Pn: number,
  q0: number,
  q1: number,
): void {
  const f = mem.f32;
  for (let q = q0; q < q1; q++) {
    const xq = (x >> 2) + q * P;
    let sum = 0;
    for (let i = 0; i < HW; i++) sum += f[xq + i];
    f[(out >> 2) + (q % C) * Pn + Math.floor(q / C)] = sum / HW;
  }
}

export function geluArray(mem: JsMemory, out: number, x: number, n: number): void {
  const f = mem.f32;
  for (let i = 0; i < n; i++) f[(out >> 2) + i] = geluScalar(f[(x >> 2) + i], mem.k);
}

/** Phi(x) = 1/2 + erf(x / sqrt 2) / 2 with the rational erf of geluScalar (GELU = x Phi(x)), >= 0. */
export function geluPhi(x: number, k: KernelConstants): number {
  if (!(Math.abs(x) <= k.GELU_LIMIT)) return x < 0 ? 0 : 1;
  const s = x * x;
  const n = ((((k.GELU_N5 * s + k.GELU_N4) * s + k.GELU_N3) * s + k.GELU_N2) * s + k.GELU_N1) * s + k.GELU_N0;
  const d = ((((s + k.GELU_D4) * s + k.GELU_D3) * s + k.GELU_D2) * s + k.GELU_D1) * s + k.GELU_D0;
  return Math.max(0, 0.5 + (x * n) / d);
}

/** See assembly/backward.ts: GELU's derivative times dy, groups of 4 floats g0..g1. */
export function geluBackward(mem: JsMemory, dx: number, dy: number, x: number, g0: number, g1: number): void {
  const f = mem.f32;
  for (let i = 4 * g0; i < 4 * g1; i++) {
    const v = f[(x >> 2) + i];
    const density = 0.3989422804014327 * Math.exp(-0.5 * v * v);
    f[(dx >> 2) + i] = f[(dy >> 2) + i] * (geluPhi(v, mem.k) + v * density);
  }
}

/** See assembly/backward.ts (no scratch needed here: taps are clipped to the plane); float64 sums. */
export function dwconvWeightGrad(
  mem: JsMemory,
  partial: number,
  sums: number,
  dy: number,
  x: number,
  H: number,
  W: number,
  P: number,
  k: number,
  pad: number,
  _scratchBase: number,
  _scratchBytes: number,
  q0: number,
  q1: number,
): void {
  const f = mem.f32;
  for (let q = q0; q < q1; q++) {
    const xq = (x >> 2) + q * P;
    const gq = (dy >> 2) + q * P;
    let sum = 0;
    for (let i = 0; i < H * W; i++) sum += f[gq + i];
    mem.f64[(sums >> 3) + q] = sum;
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        let acc = 0;
        // output rows and columns whose input pixel (oy + ky - pad, ox + kx - pad) lies inside the plane
        const y0 = Math.max(0, pad - ky);
        const y1 = Math.min(H, H + pad - ky);
        const x0 = Math.max(0, pad - kx);
        const x1 = Math.min(W, W + pad - kx);
        for (let oy = y0; oy < y1; oy++) {
          const g = gq + oy * W;
          const s = xq + (oy + ky - pad) * W + kx - pad;
          for (let ox = x0; ox < x1; ox++) acc += f[g + ox] * f[s + ox];
        }
        f[(partial >> 2) + (q * k + ky) * k + kx] = acc;
      }
    }
  }
}

/** See assembly/backward.ts: out[n, k] = sum_m a[m, n] b[m, k] (float64 sums), rows n0..n1. */
export function gemmTN(
  mem: JsMemory,
  out: number,
  a: number,
  b: number,
  N: number,
  Kp: number,
  M: number,
  _scratchBase: number,
  _scratchBytes: number,
  n0: number,
  n1: number,
): void {
  // prettier-ignore
  const f = mem.f32;
  const acc = new Float64Array(Kp);
  for (let n = n0; n < n1; n++) {
    acc.fill(0);
    for (let m = 0; m < M; m++) {
      const s = f[(a >> 2) + m * N + n];
      if (s === 0) continue;
      const row = (b >> 2) + m * Kp;
      for (let k = 0; k < Kp; k++) acc[k] += s * f[row + k];
    }
    for (let k = 0; k < Kp; k++) f[(out >> 2) + n * Kp + k] = acc[k];
  }
}

/** See assembly/backward.ts: column sums of a [M, N] in float64, column groups of 4 g0..g1. */
export function columnSums(
  mem: JsMemory,
  out: number,
  a: number,
  N: number,
  M: number,
  _acc: number,
  g0: number,
  g1: number,
): void {
  // prettier-ignore
  const f = mem.f32;
  for (let n = 4 * g0; n < Math.min(N, 4 * g1); n++) {
    let sum = 0;
    for (let m = 0; m < M; m++) sum += f[(a >> 2) + m * N + n];
    f[(out >> 2) + n] = sum;
  }
}

/** See assembly/layernorm-rows.ts (float64 statistics here). */
export function layerNormRows(
  mem: JsMemory,
  out: number,
  x: number,
  w: number,
  b: number,
  C: number,
  eps: number,
  r0: number,
  r1: number,
): void {
  // prettier-ignore
  const f = mem.f32;
  for (let r = r0; r < r1; r++) {
    const xr = (x >> 2) + r * C;
    const or = (out >> 2) + r * C;
    let mean = 0;
    for (let c = 0; c < C; c++) mean += f[xr + c];
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (f[xr + c] - mean) ** 2;
    const std = Math.sqrt(variance / C + eps);
    for (let c = 0; c < C; c++) f[or + c] = ((f[xr + c] - mean) / std) * f[(w >> 2) + c] + f[(b >> 2) + c];
  }
}

/** See assembly/layernorm-rows.ts. */
export function layerNormRowsBackward(
  mem: JsMemory,
  dx: number,
  dy: number,
  x: number,
  w: number,
  C: number,
  eps: number,
  partialBase: number,
  partialBytes: number,
  r0: number,
  r1: number,
  tid: number,
): void {
  // prettier-ignore
  const f = mem.f32;
  const d64 = mem.f64;
  const dw = (partialBase + tid * partialBytes) >> 3;
  const db = dw + C;
  for (let r = r0; r < r1; r++) {
    const xr = (x >> 2) + r * C;
    const gr = (dy >> 2) + r * C;
    let mean = 0;
    for (let c = 0; c < C; c++) mean += f[xr + c];
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (f[xr + c] - mean) ** 2;
    const std = Math.sqrt(variance / C + eps);
    let sg = 0;
    let sgx = 0;
    for (let c = 0; c < C; c++) {
      const xhat = (f[xr + c] - mean) / std;
      const g = f[gr + c] * f[(w >> 2) + c];
      sg += g;
      sgx += g * xhat;
      d64[dw + c] += f[gr + c] * xhat;
      d64[db + c] += f[gr + c];
    }
    for (let c = 0; c < C; c++) {
      const xhat = (f[xr + c] - mean) / std;
      f[(dx >> 2) + r * C + c] = (f[gr + c] * f[(w >> 2) + c] - sg / C - xhat * (sgx / C)) / std;
    }
  }
}

/** See assembly/backward.ts: GELU on groups of 8 floats g0..g1. */
export function geluRange(mem: JsMemory, out: number, x: number, g0: number, g1: number): void {
  const f = mem.f32;
  for (let i = 8 * g0; i < 8 * g1; i++) f[(out >> 2) + i] = geluScalar(f[(x >> 2) + i], mem.k);
}

/** See assembly/backward.ts: [C, HW] <-> [HW, C] per image, images n0..n1. */
export function transposeImages(
  mem: JsMemory,
  out: number,
  x: number,
  C: number,
  HW: number,
  toLast: number,
  n0: number,
  n1: number,
): void {
  // prettier-ignore
  const f = mem.f32;
  const [rows, cols] = toLast ? [C, HW] : [HW, C];
  for (let n = n0; n < n1; n++) {
    const xi = (x >> 2) + n * C * HW;
    const oi = (out >> 2) + n * C * HW;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f[oi + c * rows + r] = f[xi + r * cols + c];
  }
}

/** See assembly/backward.ts: out = residual + gamma[c] * branch^T per image (no gamma: 1), images n0..n1. */
export function blockOutput(
  mem: JsMemory,
  out: number,
  branch: number,
  gamma: number,
  residual: number,
  C: number,
  HW: number,
  n0: number,
  n1: number,
): void {
  const f = mem.f32;
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < C; c++) {
      const s = gamma ? f[(gamma >> 2) + c] : 1;
      const o = (out >> 2) + (n * C + c) * HW;
      const r = (residual >> 2) + (n * C + c) * HW;
      const b = (branch >> 2) + n * HW * C + c;
      for (let p = 0; p < HW; p++) f[o + p] = f[r + p] + Math.fround(s * f[b + p * C]);
    }
  }
}

/** See assembly/backward.ts: dBranch = gamma * dy^T per image, this thread's dgamma partial (float64). */
export function blockOutputBackward(
  mem: JsMemory,
  dBranch: number,
  partialBase: number,
  dy: number,
  branch: number,
  gamma: number,
  C: number,
  HW: number,
  partialBytes: number,
  n0: number,
  n1: number,
  tid: number,
): void {
  const f = mem.f32;
  const acc = (partialBase + tid * partialBytes) >> 3;
  for (let n = n0; n < n1; n++) {
    for (let p = 0; p < HW; p++) {
      const row = n * C * HW + p * C;
      for (let c = 0; c < C; c++) {
        const t = f[(dy >> 2) + (n * C + c) * HW + p];
        mem.f64[acc + c] += t * f[(branch >> 2) + row + c];
        f[(dBranch >> 2) + row + c] = t * f[(gamma >> 2) + c];
      }
    }
  }
}

/** See assembly/backward.ts: out[i] += x[i] for i0 <= i < i1. */
export function addInto(mem: JsMemory, out: number, x: number, i0: number, i1: number): void {
  const f = mem.f32;
  for (let i = i0; i < i1; i++) f[(out >> 2) + i] += f[(x >> 2) + i];
}

/** See assembly/adamw.ts: AdamW's update of the values i0..i1, each op of float64 rounded to float32. */
export function adamw(
  mem: JsMemory,
  param: number,
  expAvg: number,
  expAvgSq: number,
  grad: number,
  decay: number,
  beta1: number,
  beta2: number,
  stepSize: number,
  correction2: number,
  eps: number,
  i0: number,
  i1: number,
): void {
  const f = mem.f32;
  const r = Math.fround;
  for (let i = i0; i < i1; i++) {
    const g = f[(grad >> 2) + i];
    const x = r(f[(param >> 2) + i] * decay);
    const m = r(r(f[(expAvg >> 2) + i] * beta1) + r((1 - beta1) * g));
    const v = r(r(f[(expAvgSq >> 2) + i] * beta2) + r((1 - beta2) * r(g * g)));
    const denom = r(r(r(Math.sqrt(v)) / correction2) + eps);
    f[(expAvg >> 2) + i] = m;
    f[(expAvgSq >> 2) + i] = v;
    f[(param >> 2) + i] = r(x + r(-stepSize * r(m / denom)));
  }
}

/** Every kernel, for the dispatcher and (as source text) for worker threads. */
export const JS_KERNELS = {
  gemm,
  gemm16: gemm,
  gemmInt8,
  dwconv,
  layerNormCF,
  grnNorms,
  grnApply,
  spaceToDepth,
  im2col,
  globalAvgPool,
  geluArray,
  dwconvWeightGrad,
  geluBackward,
  gemmTN,
  columnSums,
  layerNormRows,
  layerNormRowsBackward,
  geluRange,
  transposeImages,
  blockOutput,
  blockOutputBackward,
  addInto,
  adamw,
};
export const JS_HELPERS = [geluScalar, gemmStore, gemmPanels, halfTable, quantizeStrip, roundLevel, dequantize, geluPhi]; // prettier-ignore
