// The heavy operations of a training step, behind one interface so that the same forward and backward
// (block.ts, backward.ts) run on the readable reference kernels of src/ops or on a fast backend's GEMMs and
// convolutions (src/backend/training-kernels.ts). Layouts are the reference kernels': the pointwise layers
// on channels-last rows [rows, features], the depthwise conv on NCHW.

import { adamwUpdate } from "../ops/adamw.js";
import { applyActivation, applyActivationBackward, getActivation, getActivationGrad } from "../ops/activations.js";
import { depthwiseConv2d, depthwiseConv2dBackward } from "../ops/depthwise-conv.js";
import { layerScale, layerScaleBackward } from "../ops/layer-scale.js";
import { layerNormChannelsLast, layerNormChannelsLastBackward } from "../ops/layer-norm.js";
import { linear, linearBackward } from "../ops/linear.js";
import { channelsFirstToLast, channelsLastToFirst } from "../ops/transpose.js";

export interface TrainingKernels {
  /** "reference", or the backend's kernel name. */
  readonly name: string;
  /**
   * A buffer for an activation or a gradient of the step, its contents undefined (every kernel writes its
   * whole output). A fast backend hands out views of its heap, so its kernels work on them in place (no
   * copies in and out); `free` gives them back as soon as the step is done with them (the reference kernels,
   * and a fast backend for a buffer never given back, leave that to the garbage collector).
   */
  alloc(n: number): Float32Array;
  free(...buffers: Array<Float32Array | null | undefined>): void;
  /** Whether the kernels work on `a` where it lies (any array for the reference kernels; else alloc's). */
  inPlace(a: Float32Array): boolean;
  /** out [M, N] = x [M, K] . weight [N, K]^T + bias. */
  linear(out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array | null, M: number, K: number, N: number): void; // prettier-ignore
  /** dx [M, K] (or null) = dy . weight; dw [N, K] = dy^T . x; db [N] (or null) = column sums of dy. */
  linearBackward(dx: Float32Array | null, dw: Float32Array, db: Float32Array | null, dy: Float32Array, x: Float32Array, weight: Float32Array, M: number, K: number, N: number): void; // prettier-ignore
  /** The block's 'same' depthwise conv (stride 1), NCHW. */
  depthwiseConv2d(out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array | null, N: number, C: number, H: number, W: number, k: number, pad: number): void; // prettier-ignore
  depthwiseConv2dBackward(dx: Float32Array | null, dw: Float32Array, db: Float32Array | null, dy: Float32Array, x: Float32Array, weight: Float32Array, N: number, C: number, H: number, W: number, k: number, pad: number): void; // prettier-ignore
  /** The block's LayerNorm over rows of C channels (channels-last), and its backward (dw, db written). */
  layerNorm(out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array, rows: number, C: number, eps: number): void; // prettier-ignore
  layerNormBackward(dx: Float32Array, dw: Float32Array, db: Float32Array, dy: Float32Array, x: Float32Array, weight: Float32Array, rows: number, C: number, eps: number): void; // prettier-ignore
  /** Layout changes per image: [N, C, HW] -> [N, HW, C] and back (ops/transpose.ts). */
  channelsFirstToLast(out: Float32Array, x: Float32Array, N: number, C: number, HW: number): void;
  channelsLastToFirst(out: Float32Array, x: Float32Array, N: number, C: number, HW: number): void;
  /** The block's output: out [N, C, HW] = residual + gamma * branch, branch [N, HW, C] permuted; gamma [C] or none. */
  blockOutput(out: Float32Array, branch: Float32Array, gamma: Float32Array | null, residual: Float32Array, N: number, C: number, HW: number): void; // prettier-ignore
  /**
   * blockOutput's backward through the permute and the layer scale: dBranch [N, HW, C] = gamma * dy permuted
   * (dy [N, C, HW]); dgamma [C] = sum over pixels of dy permuted * branch.
   */
  blockOutputBackward(dBranch: Float32Array, dgamma: Float32Array, dy: Float32Array, branch: Float32Array, gamma: Float32Array, N: number, C: number, HW: number): void; // prettier-ignore
  /** out[i] += x[i] for i < n. */
  addInto(out: Float32Array, x: Float32Array, n: number): void;
  /** out[i] = act(x[i]) for i < n. */
  activation(out: Float32Array, x: Float32Array, n: number, name: string): void;
  /** dx[i] = dy[i] * act'(x[i]) for i < n (dx may be dy). */
  activationBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, n: number, name: string): void;
  /** torch.optim.AdamW's update of param, expAvg, expAvgSq [n] in place from grad [n] (ops/adamw.ts). */
  adamw(param: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array, grad: Float32Array, n: number, decay: number, beta1: number, beta2: number, stepSize: number, correction2: number, eps: number): void; // prettier-ignore
}

/** The kernels of src/ops: float64 sums, the definition the fast ones are checked against. */
export const referenceKernels: TrainingKernels = {
  name: "reference",
  alloc: (n) => new Float32Array(n),
  free: () => {},
  inPlace: () => true,
  linear,
  linearBackward: (dx, dw, db, dy, x, weight, M, K, N) =>
    linearBackward(dx, dw, db, dy, x, weight, M, K, N, new Float64Array(N * K)),
  depthwiseConv2d: (out, x, weight, bias, N, C, H, W, k, pad) =>
    depthwiseConv2d(out, x, weight, bias, N, C, H, W, H, W, k, pad),
  depthwiseConv2dBackward: (dx, dw, db, dy, x, weight, N, C, H, W, k, pad) =>
    depthwiseConv2dBackward(dx, dw, db, dy, x, weight, N, C, H, W, H, W, k, pad),
  layerNorm: layerNormChannelsLast,
  channelsFirstToLast,
  channelsLastToFirst,
  layerNormBackward: (dx, dw, db, dy, x, weight, rows, C, eps) =>
    layerNormChannelsLastBackward(dx, dw, db, dy, x, weight, rows, C, eps, new Float64Array(2 * C)),
  blockOutput: (out, branch, gamma, residual, N, C, HW) => {
    const scaled = gamma ? branch.slice(0, N * HW * C) : branch;
    if (gamma) layerScale(scaled, gamma, N * HW, C);
    channelsLastToFirst(out, scaled, N, C, HW);
    for (let i = 0; i < N * C * HW; i++) out[i] += residual[i];
  },
  blockOutputBackward: (dBranch, dgamma, dy, branch, gamma, N, C, HW) => {
    channelsFirstToLast(dBranch, dy, N, C, HW);
    layerScaleBackward(dBranch, dgamma, dBranch, branch, gamma, N * HW, C);
  },
  addInto: (out, x, n) => {
    for (let i = 0; i < n; i++) out[i] += x[i];
  },
  activation: (out, x, n, name) => {
    out.set(x.subarray(0, n));
    applyActivation(out, n, getActivation(name));
  },
  activationBackward: (dx, dy, x, n, name) => applyActivationBackward(dx, dy, x, n, getActivationGrad(name)),
  adamw: adamwUpdate,
};
