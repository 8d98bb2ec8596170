// The ConvNeXT block in training: its forward keeps what the backward needs, and the backward runs the
// block's chain rule in reverse, line by line against ConvNextLayer.forward (modeling_convnext.py):
//   forward:  dwconv -> permute -> layernorm -> pwconv1 -> act -> [grn] -> pwconv2 -> [gamma *] -> permute
//             -> input + drop_path(.)
//   backward: the residual passes dy on; the branch gets dy through drop path's mask, the layer scale,
//             pwconv2, GRN, the activation, pwconv1, the LayerNorm, the permute and the dwconv.
// Kept per block: the dwconv output (channels-last), the LayerNorm output, pwconv1's output before and after
// the activation, pwconv2's output before the layer scale, the drop-path mask (11 C values per pixel, at most
// 0.75 GB for convnext-tiny at batch 8); GRN's output is recomputed.

import { globalResponseNorm, globalResponseNormBackward } from "../ops/grn.js";
import { dropPath, dropPathBackward } from "../ops/drop-path.js";
import { layerScale, layerScaleBackward } from "../ops/layer-scale.js";
import type { BlockStep } from "../model/plan.js";
import type { TrainingKernels } from "./kernels.js";

export type Read = (name: string) => Float32Array;
/** Stores the gradient of a parameter by its checkpoint key. */
export type WriteGrad = (name: string) => Float32Array;

export interface BlockSaved {
  dwOut: Float32Array; // [N, HW, C]: dwconv output, permuted
  normed: Float32Array; // [N, HW, C]: the LayerNorm's output
  hidden: Float32Array; // [N, HW, 4C]: pwconv1 output, before the activation
  activation: Float32Array; // [N, HW, 4C]: after it
  branch: Float32Array | null; // [N, HW, C]: pwconv2 output, before the layer scale (only with one)
  mask: Float32Array | null; // [N]: drop path's keep mask (training with a rate > 0)
}

/** Gives a block's saved buffers back to the kernels. */
export function freeSaved(saved: BlockSaved, kernels: TrainingKernels): void {
  kernels.free(saved.dwOut, saved.normed, saved.hidden, saved.activation, saved.branch);
}

/** ConvNextLayer.forward, keeping BlockSaved. x [N, C, H, W] -> out [N, C, H, W]. */
export function blockForward(
  step: BlockStep,
  x: Float32Array,
  shape: readonly number[],
  w: Read,
  kernels: TrainingKernels,
  random: () => number,
): { out: Float32Array; saved: BlockSaved } {
  const [N, C, H, W] = shape;
  const HW = H * W;
  const rows = N * HW;
  const hidden = 4 * C;
  const { dwconv, layernorm, pwconv1, pwconv2, grn } = step;
  const bias = (name: string | null) => (name ? w(name) : null);

  const spatial = kernels.alloc(x.length);
  kernels.depthwiseConv2d(spatial, x, w(dwconv.weight), bias(dwconv.bias), N, C, H, W, dwconv.kernel, dwconv.padding); // prettier-ignore
  const dwOut = kernels.alloc(x.length);
  kernels.channelsFirstToLast(dwOut, spatial, N, C, HW);
  const normed = spatial; // reused: [N, HW, C] from here on
  kernels.layerNorm(normed, dwOut, w(layernorm.weight), w(layernorm.bias!), rows, C, layernorm.eps);
  const h = kernels.alloc(rows * hidden);
  kernels.linear(h, normed, w(pwconv1.weight), bias(pwconv1.bias), rows, C, hidden);
  const a = kernels.alloc(rows * hidden);
  kernels.activation(a, h, a.length, step.activation);
  let g = a;
  if (grn) {
    (g = kernels.alloc(a.length)).set(a);
    globalResponseNorm(g, w(grn.weight), w(grn.bias), N, HW, hidden, new Float64Array(hidden));
  }
  const branch = kernels.alloc(x.length);
  kernels.linear(branch, g, w(pwconv2.weight), bias(pwconv2.bias), rows, hidden, C);
  if (g !== a) kernels.free(g);
  const saved: BlockSaved = { dwOut, normed, hidden: h, activation: a, branch: null, mask: null };
  const gamma = step.layerScale ? w(step.layerScale) : null;
  const out = kernels.alloc(x.length);
  if (step.dropPath > 0) {
    // drop path's per-image mask on a scaled copy, in HF's order of ops
    const dropped = kernels.alloc(x.length);
    dropped.set(branch);
    if (gamma) layerScale(dropped, gamma, rows, C);
    saved.mask = new Float32Array(N);
    dropPath(dropped, saved.mask, N, HW * C, step.dropPath, random);
    kernels.blockOutput(out, dropped, null, x, N, C, HW);
    kernels.free(dropped);
  } else {
    kernels.blockOutput(out, branch, gamma, x, N, C, HW); // input + gamma * branch, permuted back
  }
  if (gamma) saved.branch = branch;
  else kernels.free(branch);
  return { out, saved };
}

/**
 * The block's backward: from dy = d loss / d out [N, C, H, W], writes the gradient of every parameter of the
 * block and returns d loss / d x (dy plus the branch's share).
 */
export function blockBackward(
  step: BlockStep,
  dy: Float32Array,
  x: Float32Array,
  shape: readonly number[],
  saved: BlockSaved,
  w: Read,
  grad: WriteGrad,
  kernels: TrainingKernels,
): Float32Array {
  const [N, C, H, W] = shape;
  const HW = H * W;
  const rows = N * HW;
  const hidden = 4 * C;
  const { dwconv, layernorm, pwconv1, pwconv2, grn } = step;
  const gradOrNull = (name: string | null) => (name ? grad(name) : null);

  const { normed, activation: a } = saved;
  let g = a; // pwconv2's input: the activation, or GRN's output (recomputed)
  if (grn) {
    (g = kernels.alloc(a.length)).set(a);
    globalResponseNorm(g, w(grn.weight), w(grn.bias), N, HW, hidden, new Float64Array(hidden));
  }

  // the branch: permute back, drop path, layer scale
  const dBranch = kernels.alloc(rows * C);
  if (step.layerScale && !saved.mask) {
    kernels.blockOutputBackward(dBranch, grad(step.layerScale), dy, saved.branch!, w(step.layerScale), N, C, HW);
  } else {
    kernels.channelsFirstToLast(dBranch, dy, N, C, HW);
    if (saved.mask) dropPathBackward(dBranch, dBranch, saved.mask, N, HW * C, step.dropPath);
    if (step.layerScale) layerScaleBackward(dBranch, grad(step.layerScale), dBranch, saved.branch!, w(step.layerScale), rows, C); // prettier-ignore
  }

  // pwconv2, GRN, the activation, pwconv1
  const dg = kernels.alloc(rows * hidden);
  kernels.linearBackward(dg, grad(pwconv2.weight), gradOrNull(pwconv2.bias), dBranch, g, w(pwconv2.weight), rows, hidden, C); // prettier-ignore
  if (grn) {
    const da = kernels.alloc(rows * hidden);
    globalResponseNormBackward(da, grad(grn.weight), grad(grn.bias), dg, a, w(grn.weight), N, HW, hidden, new Float64Array(3 * hidden)); // prettier-ignore
    dg.set(da);
    kernels.free(da, g);
  }
  kernels.activationBackward(dg, dg, saved.hidden, dg.length, step.activation);
  const dNormed = kernels.alloc(rows * C);
  kernels.linearBackward(dNormed, grad(pwconv1.weight), gradOrNull(pwconv1.bias), dg, normed, w(pwconv1.weight), rows, C, hidden); // prettier-ignore
  kernels.free(dg);

  // the LayerNorm, the permute, the dwconv
  const dDw = kernels.alloc(rows * C);
  kernels.layerNormBackward(dDw, grad(layernorm.weight), grad(layernorm.bias!), dNormed, saved.dwOut, w(layernorm.weight), rows, C, layernorm.eps); // prettier-ignore
  const dSpatial = dBranch; // reused: [N, C, HW]
  kernels.channelsLastToFirst(dSpatial, dDw, N, C, HW);
  const dx = kernels.alloc(x.length);
  kernels.depthwiseConv2dBackward(dx, grad(dwconv.weight), gradOrNull(dwconv.bias), dSpatial, x, w(dwconv.weight), N, C, H, W, dwconv.kernel, dwconv.padding); // prettier-ignore
  kernels.free(dDw, dNormed, dBranch);
  kernels.addInto(dx, dy, dx.length); // the residual
  return dx;
}
