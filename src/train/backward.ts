// Backpropagation over a plan: a training forward that keeps what each step's backward needs (a tape), then
// the steps in reverse, each turning the gradient of its output into the gradients of its input and of its
// parameters (by checkpoint key, the names `grad.<param>` files use). A value read by several steps (a
// backbone's hidden state feeds the next stage and its norm) sums their gradients, as autograd does.
// A step kind without a backward rule here is refused with its name, never skipped.

import { conv2d, conv2dBackward } from "../ops/conv2d.js";
import { globalAveragePool, globalAveragePoolBackward } from "../ops/pooling.js";
import type { Weights } from "../model/executor.js";
import { stepParameters, type Conv2dStep, type LayerNormStep, type Plan, type PlanStep } from "../model/plan.js";
import { Tensor } from "../tensor/tensor.js";
import { blockBackward, blockForward, freeSaved, type BlockSaved, type Read } from "./block.js";
import type { TrainingKernels } from "./kernels.js";
import { imageToPatches, patchesToImage } from "./patchify.js";

/** What a step keeps for its backward: a block's activations, or a patchify conv's patches. */
export type Saved = BlockSaved | { patches: Float32Array };

function freeKept(s: Saved, kernels: TrainingKernels): void {
  if ("patches" in s) kernels.free(s.patches);
  else freeSaved(s, kernels);
}

/** The forward pass of a training step: every value of the plan, and what the blocks kept. */
export interface Tape {
  readonly plan: Plan;
  readonly values: Float32Array[];
  /** Per step, what it kept for its backward (null once that has used it). */
  readonly saved: Array<Saved | null>;
}

export interface BackwardResult {
  /** d objective / d parameter, for every parameter of the plan's steps (zeros where none flows). */
  grads: Map<string, Float32Array>;
  /** d objective / d value, for the values asked for (e.g. pixel_values, last_hidden_state); null if none flows. */
  values: Map<number, Float32Array | null>;
}

const KNOWN = new Set(["conv2d", "layernorm", "block", "pool", "linear"]);

/** Throws if the plan has a step kind that has no backward rule yet (e.g. one added for another model family). */
export function checkBackwardSupport(plan: Plan): void {
  for (const step of plan.steps as ReadonlyArray<{ kind: string; module: string; layernorm?: { type?: string } }>) {
    if (!KNOWN.has(step.kind)) {
      throw new Error(`training: no backward rule for plan step "${step.kind}" (${step.module})`);
    }
    const norm = step.layernorm?.type ?? "layernorm"; // a block's norm: LayerNorm here (timm also has rms/simple)
    if (norm !== "layernorm") throw new Error(`training: no backward rule for a block with a ${norm} (${step.module})`); // prettier-ignore
  }
}

function reader(weights: Weights): Read {
  return (name) => {
    const p = weights.get(name);
    if (!p) throw new Error(`training: the model has no parameter "${name}"`);
    return p.data;
  };
}

/** Runs the plan forward, keeping the tape. `random` draws drop path's U[0, 1) in training mode. */
export function trainingForward(
  plan: Plan,
  weights: Weights,
  pixelValues: Tensor,
  kernels: TrainingKernels,
  random: () => number,
): Tape {
  checkBackwardSupport(plan);
  const w = reader(weights);
  const values: Float32Array[] = plan.values.map(() => new Float32Array(0));
  const saved: Array<Saved | null> = plan.steps.map(() => null);
  values[plan.input] = pixelValues.data;
  plan.steps.forEach((step, i) => {
    const x = values[step.input];
    const inShape = plan.values[step.input].shape;
    const outShape = plan.values[step.output].shape;
    if (step.kind === "block") {
      const { out, saved: s } = blockForward(step, x, inShape, w, kernels, random);
      values[step.output] = out;
      saved[i] = s;
      return;
    }
    const out = kernels.alloc(outShape.reduce((a, b) => a * b, 1));
    values[step.output] = out;
    switch (step.kind) {
      case "conv2d":
        saved[i] = convForward(step, out, x, inShape, outShape, w, kernels);
        break;
      case "layernorm":
        layerNormForward(step, out, x, inShape, w, kernels);
        break;
      case "pool":
        globalAveragePool(out, x, inShape[0], inShape[1], x.length / (inShape[0] * inShape[1]));
        break;
      case "linear":
        kernels.linear(out, x, w(step.weight), step.bias ? w(step.bias) : null, inShape[0], inShape[1], outShape[1]);
        break;
    }
  });
  return { plan, values, saved };
}

/** The plan's outputs of a tape, under their transformers names. */
export function tapeOutputs(tape: Tape): Map<string, Tensor> {
  return new Map(tape.plan.outputs.map(([name, v]) => [name, new Tensor(tape.values[v], tape.plan.values[v].shape)]));
}

/**
 * Backpropagates `upstream` (d objective / d value, for some values: an output's upstream gradient, d loss /
 * d logits) through the tape. `want` lists the values whose gradient to return; the input's gradient is
 * computed only when asked for, and steps before the first one with a `trainable` parameter are skipped. Consumes the tape's saved block activations (not its values: freeTape).
 */
/** Gives the tape's buffers back to the kernels (after backward, or when a forward is not backpropagated). */
export function freeTape(tape: Tape, kernels: TrainingKernels): void {
  tape.values.forEach((v, i) => i !== tape.plan.input && kernels.free(v));
  for (const s of tape.saved) if (s) freeKept(s, kernels);
}

export function backward(
  tape: Tape,
  weights: Weights,
  upstream: ReadonlyMap<number, Float32Array>,
  kernels: TrainingKernels,
  want: readonly number[] = [],
  trainable: (name: string) => boolean = () => true,
): BackwardResult {
  const { plan, values, saved } = tape;
  const w = reader(weights);
  const grads = new Map<string, Float32Array>();
  const grad = (name: string) => {
    let g = grads.get(name);
    if (!g) grads.set(name, (g = kernels.alloc(weights.get(name)!.data.length))); // a step's backward writes it whole
    return g;
  };
  const valueGrads: Array<Float32Array | null> = plan.values.map(() => null);
  const add = (v: number, g: Float32Array) => {
    const into = valueGrads[v];
    if (!into) valueGrads[v] = g;
    else {
      kernels.addInto(into, g, g.length);
      kernels.free(g);
    }
  };
  for (const [v, g] of upstream) {
    const copy = kernels.alloc(g.length);
    copy.set(g);
    add(v, copy);
  }
  const result = new Map<number, Float32Array | null>();
  const keep = new Set(want);
  const needInput = keep.has(plan.input);

  // backpropagation stops at the earliest step that has a parameter to train or a value asked for (a frozen
  // backbone costs nothing)
  const wanted = (i: number) =>
    stepParameters(plan.steps[i]).some(trainable) || keep.has(plan.steps[i].output) || (i === 0 && needInput);
  let first = plan.steps.findIndex((_, i) => wanted(i));
  if (first < 0) first = plan.steps.length;
  for (let i = plan.steps.length - 1; i >= first; i--) {
    const step = plan.steps[i];
    const dy = valueGrads[step.output];
    if (keep.has(step.output)) result.set(step.output, dy);
    valueGrads[step.output] = null;
    if (!dy) continue; // nothing flows through this step (its parameters keep zero gradients)
    const x = values[step.input];
    const inShape = plan.values[step.input].shape;
    const needDx = step.input !== plan.input || needInput;
    const dx = stepBackward(step, i, dy, x, inShape, plan.values[step.output].shape, needDx, saved, w, grad, kernels);
    if (!keep.has(step.output)) kernels.free(dy);
    const s = saved[i];
    if (s) freeKept(s, kernels);
    saved[i] = null;
    if (dx) add(step.input, dx);
  }
  if (needInput) result.set(plan.input, valueGrads[plan.input]);
  // every parameter a step reads gets a gradient, zero where none flowed (torch: None, i.e. no update)
  for (const step of plan.steps) for (const name of stepParameters(step)) if (!grads.has(name)) grad(name).fill(0);
  return { grads, values: result };
}

function stepBackward(
  step: PlanStep,
  index: number,
  dy: Float32Array,
  x: Float32Array,
  inShape: readonly number[],
  outShape: readonly number[],
  needDx: boolean,
  saved: ReadonlyArray<Saved | null>,
  w: Read,
  grad: (name: string) => Float32Array,
  kernels: TrainingKernels,
): Float32Array | null {
  switch (step.kind) {
    case "block":
      return blockBackward(step, dy, x, inShape, saved[index] as BlockSaved, w, grad, kernels);
    case "conv2d":
      return convBackward(step, dy, x, inShape, outShape, needDx, saved[index] as { patches: Float32Array } | null, w, grad, kernels); // prettier-ignore
    case "layernorm":
      return layerNormBackward(step, dy, x, inShape, w, grad, kernels);
    case "pool": {
      const dx = kernels.alloc(x.length);
      globalAveragePoolBackward(dx, dy, inShape[0], inShape[1], x.length / (inShape[0] * inShape[1]));
      return dx;
    }
    case "linear": {
      const dx = needDx ? kernels.alloc(x.length) : null;
      const [M, K] = inShape;
      kernels.linearBackward(dx, grad(step.weight), step.bias ? grad(step.bias) : null, dy, x, w(step.weight), M, K, outShape[1]); // prettier-ignore
      return dx;
    }
    default: // checkBackwardSupport refused it before the forward
      throw new Error(`training: no backward rule for plan step "${(step as { kind: string }).kind}"`);
  }
}

// A channels-first LayerNorm (the stem's, the downsampling layers') runs as the block's: the kernels' LayerNorm
// on rows of C channels, between two layout changes (faster than striding over the channels of NCHW).

function layerNormForward(
  step: LayerNormStep,
  out: Float32Array,
  x: Float32Array,
  shape: readonly number[],
  w: Read,
  kernels: TrainingKernels,
): void {
  const [weight, bias] = [w(step.weight), w(step.bias)];
  if (step.dataFormat === "channels_last") {
    const C = shape[shape.length - 1];
    return kernels.layerNorm(out, x, weight, bias, x.length / C, C, step.eps);
  }
  const [N, C] = shape;
  const HW = x.length / (N * C);
  const [rows, normed] = [kernels.alloc(x.length), kernels.alloc(x.length)];
  kernels.channelsFirstToLast(rows, x, N, C, HW);
  kernels.layerNorm(normed, rows, weight, bias, N * HW, C, step.eps);
  kernels.channelsLastToFirst(out, normed, N, C, HW);
  kernels.free(rows, normed);
}

function layerNormBackward(
  step: LayerNormStep,
  dy: Float32Array,
  x: Float32Array,
  shape: readonly number[],
  w: Read,
  grad: (name: string) => Float32Array,
  kernels: TrainingKernels,
): Float32Array {
  const [dw, db, weight] = [grad(step.weight), grad(step.bias), w(step.weight)];
  const dx = kernels.alloc(x.length);
  if (step.dataFormat === "channels_last") {
    const C = shape[shape.length - 1];
    kernels.layerNormBackward(dx, dw, db, dy, x, weight, x.length / C, C, step.eps);
    return dx;
  }
  const [N, C] = shape;
  const HW = x.length / (N * C);
  const [rows, dRows, dxRows] = [kernels.alloc(x.length), kernels.alloc(x.length), kernels.alloc(x.length)];
  kernels.channelsFirstToLast(rows, x, N, C, HW);
  kernels.channelsFirstToLast(dRows, dy, N, C, HW);
  kernels.layerNormBackward(dxRows, dw, db, dRows, rows, weight, N * HW, C, step.eps);
  kernels.channelsLastToFirst(dx, dxRows, N, C, HW);
  kernels.free(rows, dRows, dxRows);
  return dx;
}

const isPatchify = (step: Conv2dStep) => step.kernel === step.stride && step.padding === 0;

function convForward(
  step: Conv2dStep,
  out: Float32Array,
  x: Float32Array,
  [N, Cin, H, W]: readonly number[],
  [, Cout, OH, OW]: readonly number[],
  w: Read,
  kernels: TrainingKernels,
): { patches: Float32Array } | null {
  const k = step.kernel;
  const bias = step.bias ? w(step.bias) : null;
  if (!isPatchify(step)) {
    conv2d(out, x, w(step.weight), bias, N, Cin, H, W, Cout, OH, OW, k, step.stride, step.padding);
    return null;
  }
  const rows = N * OH * OW;
  const patches = kernels.alloc(rows * Cin * k * k);
  imageToPatches(patches, x, N, Cin, H, W, k);
  const y = kernels.alloc(rows * Cout);
  kernels.linear(y, patches, w(step.weight), bias, rows, Cin * k * k, Cout);
  kernels.channelsLastToFirst(out, y, N, Cout, OH * OW);
  kernels.free(y);
  return { patches }; // kept: the weight gradient's operand
}

function convBackward(
  step: Conv2dStep,
  dy: Float32Array,
  x: Float32Array,
  [N, Cin, H, W]: readonly number[],
  [, Cout, OH, OW]: readonly number[],
  needDx: boolean,
  saved: { patches: Float32Array } | null,
  w: Read,
  grad: (name: string) => Float32Array,
  kernels: TrainingKernels,
): Float32Array | null {
  const k = step.kernel;
  const dx = needDx ? kernels.alloc(x.length) : null;
  const db = step.bias ? grad(step.bias) : null;
  if (!isPatchify(step)) {
    conv2dBackward(dx, grad(step.weight), db, dy, x, w(step.weight), N, Cin, H, W, Cout, OH, OW, k, step.stride, step.padding); // prettier-ignore
    return dx;
  }
  const rows = N * OH * OW;
  const K = Cin * k * k;
  const { patches } = saved!;
  const dRows = kernels.alloc(rows * Cout);
  kernels.channelsFirstToLast(dRows, dy, N, Cout, OH * OW);
  const dPatches = dx ? kernels.alloc(rows * K) : null;
  kernels.linearBackward(dPatches, grad(step.weight), db, dRows, patches, w(step.weight), rows, K, Cout);
  if (dx && dPatches) patchesToImage(dx, dPatches, N, Cin, H, W, k);
  kernels.free(dRows, dPatches);
  return dx;
}
