// Sizes of the fast kernels' memory: the channels-first plane layout (each plane padded to a multiple of 8
// pixels, so kernels walk whole vectors) and the per-thread scratch the GEMM and depthwise conv need.

import { GEMM_INT8_CHUNK_PIXELS, GEMM_PANEL_FLOATS, GEMM_TN_BLOCK } from "./kernel-constants.generated.js";

/** Floats per plane of an H x W map: H * W rounded up to 8. */
export const planeStride = (pixels: number) => Math.ceil(pixels / 8) * 8;

/** Per-thread GEMM packing space for K inputs: the x panel (GEMM_PANEL_FLOATS, or 8 pixels x K), then 4 weight rows. */
export const gemmPackBytes = (K: number) => (Math.max(GEMM_PANEL_FLOATS, 8 * K) + 4 * K) * 4; // see assembly/gemm.ts

/**
 * Per-thread packing space of the int8 GEMM (assembly/gemm-int8.ts): the pixel scales, the quantized panel (at
 * most the float panel's bytes, at least 8 pixels of int16 pairs), the int16 weight rows; and at least what
 * the pure-TS twin needs (its float64 panels, as gemmPackBytes).
 */
export const gemmInt8PackBytes = (K: number) => {
  const K2 = K + (K & 1);
  const wasm = 4 * GEMM_INT8_CHUNK_PIXELS + Math.max(4 * GEMM_PANEL_FLOATS, 16 * K2) + 8 * K2;
  return Math.ceil(Math.max(wasm, gemmPackBytes(K)) / 64) * 64;
};

/** Per-thread floats of the depthwise conv's scratch: the zero-bordered plane and a two-row buffer. */
export const dwconvScratchFloats = (H: number, W: number, pad: number) =>
  (H + 2 * pad) * (W + 2 * pad + 4) + 2 * (W + 4); // see assembly/dwconv.ts

/** Per-thread floats of dwconvWeightGrad's scratch: the zero-bordered plane and dy with rows padded to 4. */
export const dwconvGradScratchFloats = (H: number, W: number, pad: number) =>
  (H + 2 * pad) * (W + 2 * pad + 4) + H * (Math.ceil(W / 4) * 4); // see assembly/backward.ts

/** Per-thread floats of gemmTN's scratch: a block of GEMM_TN_BLOCK rows of a (N wide) and an 8-wide strip of b. */
export const gemmTNScratchFloats = (N: number) => GEMM_TN_BLOCK * (Math.ceil(N / 4) * 4 + 8); // see assembly/backward.ts

/** Bytes of per-thread scratch, rounded to cache lines. */
export const scratchBytes = (floats: number) => Math.ceil((floats * 4) / 64) * 64;

/** A GEMM over N images x M rows is split in chunks of whole images when the batch allows, else of >= 32 rows. */
export const gemmMinChunk = (N: number, M: number, threads: number) =>
  N >= 2 * threads ? M : Math.min(M, Math.max(32, Math.ceil(M / threads / 4) * 4));

const BLOCK_HIDDEN_BYTES = 6 << 20;

/**
 * Images per pass of a block (dwconv -> ... -> pwconv2 run on this many at a time): the batch in as few
 * equal groups as keep the hidden activations (4C planes an image) within BLOCK_HIDDEN_BYTES, with at least
 * two images per thread, so the GEMMs still give each thread whole images (gemmMinChunk; split within an
 * image, every thread packs the same panel, and two threads ran 10% slower in half the runs). A whole
 * batch's hidden activations were the largest buffer of a pass (38.5 MB of convnext-tiny's at batch 8).
 */
export const blockGroup = (N: number, C: number, P: number, threads: number) => {
  const fit = Math.max(2 * threads, Math.floor(BLOCK_HIDDEN_BYTES / (16 * C * P)));
  return Math.ceil(N / Math.ceil(N / fit));
};

/**
 * GRN's middle phase (ConvNextV2GRN): from the per-channel L2 norms of each image, the factor each channel
 * is scaled by, norm / (mean over channels + 1e-6) (HF adds the 1e-6 to the mean, outside any sqrt).
 * norms f64 [N, C] at `normsIndex`, scale f32 [N, C] at `scaleIndex` (element indices into the views).
 */
export function grnScales(
  f64: Float64Array,
  normsIndex: number,
  f32: Float32Array,
  scaleIndex: number,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const base = normsIndex + n * C;
    let mean = 0;
    for (let c = 0; c < C; c++) mean += f64[base + c];
    const denom = mean / C + 1e-6;
    for (let c = 0; c < C; c++) f32[scaleIndex + n * C + c] = f64[base + c] / denom;
  }
}
