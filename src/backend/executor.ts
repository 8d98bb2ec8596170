// The fast executor: a plan compiled to calls of one backend's kernels (wasm SIMD or pure TS, threads).
// Values live in the backend's heap as channels-first planes padded to P = planeStride(H * W) pixels, so every
// kernel walks contiguous memory and the pointwise layers are GEMMs on the weights as loaded ([out, in]);
// vectors per image (pooled, pooler_output, logits) are stored as [C, planeStride(N)], channels as planes and
// images as pixels, so the final LayerNorm and the head reuse the same kernels. A pass copies pixel_values
// in and the outputs out, once each. Buffers are sized once per plan: a value takes the buffer of one that
// is no longer needed, a block runs in place when its input dies with it. GEMM weights are read in their
// stored format: float32 and 16-bit ones by the float32 GEMM (which widens 16-bit panels), int8 ones by the
// int8 GEMM; the other parameters (norms, biases, depthwise filters) as float32 copies.

import type { Executor, Program, ProgramCall, Weights } from "../model/executor.js";
import { stepGroup } from "../model/flops.js";
import type { Parameter } from "../model/module.js";
import type { BlockStep, Plan, PlanStep, PlanValue } from "../model/plan.js";
import { linear } from "../ops/linear.js";
import { formatShape, sameShape, Tensor } from "../tensor/tensor.js";
import { referenceExecutor } from "../model/reference-executor.js";
import { getBackend, type Backend, type KernelName } from "./backend.js";
import type { Heap } from "./heap.js";
import {
  GEMM_MODE_BIAS,
  GEMM_MODE_GELU,
  GEMM_MODE_RESIDUAL,
  GEMM_MODE_SCALE_RESIDUAL,
  GEMM_WEIGHTS_BF16,
  GEMM_WEIGHTS_F16,
} from "./kernel-constants.generated.js";
import { blockGroup, dwconvScratchFloats, gemmInt8PackBytes, gemmMinChunk, gemmPackBytes, grnScales, planeStride, scratchBytes } from "./workspace.js"; // prettier-ignore

const FUSED_ACTIVATIONS = ["gelu", "gelu_python"]; // the exact erf GELU of the GEMM epilogue

const executors = new WeakMap<Backend, FastExecutor>();

/** The executor models run on now: the configured backend's (configureBackend), or the reference executor. */
export function getExecutor(): Executor {
  const backend = getBackend();
  if (!backend) return referenceExecutor;
  let executor = executors.get(backend);
  if (!executor) executors.set(backend, (executor = new FastExecutor(backend)));
  return executor;
}

export class FastExecutor implements Executor {
  constructor(readonly backend: Backend) {}

  get name(): string {
    return this.backend.kernels;
  }

  unsupported(plan: Plan): string | null {
    for (const step of plan.steps) {
      if (step.kind === "rmsnorm" || step.kind === "simplenorm") return `${step.module}: timm's ${step.kind}`;
      if (step.kind === "activation" && !FUSED_ACTIVATIONS.includes(step.activation)) {
        return `${step.module}: activation ${step.activation}`;
      }
      if (step.kind === "block") {
        if (step.layernorm.type !== "layernorm") return `${step.module}: timm's ${step.layernorm.type}`;
        if (!FUSED_ACTIVATIONS.includes(step.activation)) return `${step.module}: activation ${step.activation}`;
        if (step.dwconv.kernel !== 2 * step.dwconv.padding + 1) return `${step.module}: dwconv is not 'same'`;
        if (step.dropPath > 0) return `${step.module}: drop path in training mode`;
      }
    }
    return null;
  }

  compile(plan: Plan, weights: Weights): Program {
    const reason = this.unsupported(plan);
    if (reason) throw new Error(`${this.name} executor: cannot run this plan (${reason})`);
    return new FastProgram(this.backend, plan, weights);
  }
}

/**
 * The kernel and arguments of a GEMM on weight `w`, from the float32 GEMM's arguments [out, w, x, bias, gamma,
 * M, K, P, nImg, mode, pack, packBytes, pixels] (their w unused): decided at run time, so a weight reloaded
 * in another dtype runs on the right kernel.
 */
function gemmCall(heap: Heap, w: Parameter, args: readonly number[]): [KernelName, number[]] {
  const [out, , ...rest] = args;
  const at = heap.weights(w);
  if (w.dtype === "I8") return ["gemmInt8", [out, at, heap.int8Scales(w), ...rest]];
  const format = w.dtype === "F16" ? GEMM_WEIGHTS_F16 : w.dtype === "BF16" ? GEMM_WEIGHTS_BF16 : 0;
  const withFormat = [...args];
  withFormat[1] = at;
  withFormat[9] |= format;
  return [format ? "gemm16" : "gemm", withFormat];
}

/** Where a value lives: `planes` planes of `P` floats (maps: N * C planes; vectors: C planes of N images). */
interface Layout {
  planes: number;
  P: number;
  vector: boolean;
}

function layoutOf(value: PlanValue, dense: boolean): Layout {
  const [N, C, H, W] = value.shape;
  if (value.shape.length === 2) return { planes: C, P: planeStride(N), vector: true };
  return { planes: N * C, P: dense ? H * W : planeStride(H * W), vector: false };
}

class FastProgram implements Program {
  readonly calls: ProgramCall[] = [];
  private readonly heap: Backend["heap"];
  private readonly layouts: Layout[];
  private readonly offsets: number[]; // byte offset of each value's buffer
  private readonly blocks: number[] = []; // every heap block this program owns

  constructor(
    private readonly backend: Backend,
    private readonly plan: Plan,
    weights: Weights,
  ) {
    this.heap = backend.heap;
    this.layouts = plan.values.map((v, i) => layoutOf(v, i === plan.input));
    const param = (name: string): Parameter => {
      const p = weights.get(name);
      if (!p) throw new Error(`${this.backend.kernels} executor: the model has no parameter "${name}"`);
      return p;
    };
    const ws = this.workspace();
    this.offsets = this.assignBuffers();
    this.heap.freeWhenCollected(this, this.blocks, this.blocks);
    plan.steps.forEach((step, i) => this.compileStep(step, i, param, ws));
  }

  setInput(pixelValues: Tensor): void {
    const shape = this.plan.values[this.plan.input].shape;
    if (!sameShape(pixelValues.shape, shape)) {
      throw new Error(`pixel_values ${formatShape(pixelValues.shape)} does not match the plan's ${formatShape(shape)}`);
    }
    this.heap.f32.set(pixelValues.data, this.offsets[this.plan.input] >> 2);
  }

  outputs(): Map<string, Tensor> {
    return new Map(this.plan.outputs.map(([name, v]) => [name, this.read(v)]));
  }

  dispose(): void {
    this.heap.freeNow(this.blocks, this.blocks);
  }

  /** A value copied out of its planes into a dense tensor. */
  private read(v: number): Tensor {
    const shape = this.plan.values[v].shape;
    const { planes, P, vector } = this.layouts[v];
    const out = Tensor.zeros(shape);
    const f = this.heap.f32;
    const base = this.offsets[v] >> 2;
    if (vector) {
      const N = shape[0];
      for (let c = 0; c < planes; c++) for (let n = 0; n < N; n++) out.data[n * planes + c] = f[base + c * P + n];
    } else {
      const HW = shape[2] * shape[3];
      for (let q = 0; q < planes; q++) out.data.set(f.subarray(base + q * P, base + q * P + HW), q * HW);
    }
    return out;
  }

  private alloc(floats: number): number {
    const offset = this.heap.alloc(floats);
    this.blocks.push(offset);
    return offset;
  }

  /**
   * One buffer per value, shared by values whose lifetimes do not overlap: a value is live from the step
   * that writes it to the last step that reads it (outputs: to the end of the pass).
   */
  private assignBuffers(): number[] {
    const { values, steps, outputs, input } = this.plan;
    const lastUse = values.map(() => -1);
    steps.forEach((s, i) => (lastUse[s.input] = i));
    steps.forEach((s, i) => (lastUse[s.output] = Math.max(lastUse[s.output], i)));
    for (const [, v] of outputs) lastUse[v] = steps.length;
    const floats = (v: number) => this.layouts[v].planes * this.layouts[v].P;
    const size: number[] = [];
    const bufferOf = values.map(() => -1);
    const free: number[] = [];
    const take = (need: number) => {
      // the smallest free buffer that holds it, else the largest (grown), else a new one
      const fits = free.filter((b) => size[b] >= need).sort((a, b) => size[a] - size[b]);
      const b = fits[0] ?? free.sort((a, c) => size[c] - size[a])[0];
      if (b === undefined) return size.push(need) - 1;
      free.splice(free.indexOf(b), 1);
      size[b] = Math.max(size[b], need);
      return b;
    };
    bufferOf[input] = take(floats(input));
    steps.forEach((s, i) => {
      const inPlace = (s.kind === "block" || s.kind === "layernorm" || s.kind === "activation") && lastUse[s.input] === i; // prettier-ignore
      bufferOf[s.output] = inPlace ? bufferOf[s.input] : take(floats(s.output));
      if (!inPlace && lastUse[s.input] === i) free.push(bufferOf[s.input]);
      if (lastUse[s.output] === i) free.push(bufferOf[s.output]); // written, never read
    });
    const offsets = size.map((n) => this.alloc(n));
    return bufferOf.map((b) => offsets[b]);
  }

  /** Scratch shared by the steps: space-to-depth patches, the block's intermediates, per-thread GEMM panels. */
  private workspace() {
    const { values, steps } = this.plan;
    const threads = this.backend.threads;
    let patches = 0, t = 0, hidden = 0, grn = 0, dwScratch = 0, maxK = 1, maxM = 1; // prettier-ignore
    for (const s of steps) {
      const inShape = values[s.input].shape;
      const outShape = values[s.output].shape;
      if (s.kind === "conv2d") {
        const [N, Cin] = inShape;
        const K = Cin * s.kernel * s.kernel;
        patches = Math.max(patches, N * K * this.layouts[s.output].P);
        maxK = Math.max(maxK, K);
        maxM = Math.max(maxM, outShape[1]);
      } else if (s.kind === "block") {
        const [N, C, H, W] = inShape;
        const P = planeStride(H * W);
        const G = blockGroup(N, C, P, threads); // the images a block runs at a time
        t = Math.max(t, G * C * P);
        hidden = Math.max(hidden, G * 4 * C * P);
        if (s.grn) grn = Math.max(grn, G * 4 * C);
        dwScratch = Math.max(dwScratch, dwconvScratchFloats(H, W, s.dwconv.padding));
        maxK = Math.max(maxK, 4 * C);
        maxM = Math.max(maxM, 4 * C);
      } else if (s.kind === "linear") {
        maxK = Math.max(maxK, inShape[1]);
        maxM = Math.max(maxM, outShape[1]);
      }
    }
    const packBytes = Math.max(gemmPackBytes(maxK), gemmInt8PackBytes(maxK)); // float32 or int8 weights
    const dwBytes = scratchBytes(dwScratch);
    const zeros = this.alloc(maxM); // the bias of a layer without one
    this.heap.f32.fill(0, zeros >> 2, (zeros >> 2) + maxM);
    return {
      patches: patches ? this.alloc(patches) : 0,
      t: t ? this.alloc(t) : 0,
      h: hidden ? this.alloc(hidden) : 0,
      norms: grn ? this.alloc(2 * grn) : 0, // float64
      scale: grn ? this.alloc(grn) : 0,
      dwScratch: dwBytes ? this.alloc((dwBytes / 4) * threads) : 0,
      dwBytes,
      pack: this.alloc((packBytes / 4) * threads),
      packBytes,
      zeros,
    };
  }

  private compileStep(
    step: PlanStep,
    index: number,
    param: (name: string) => Parameter,
    ws: ReturnType<FastProgram["workspace"]>,
  ): void {
    const backend = this.backend;
    const heap = this.heap;
    // a weight's heap offset, looked up at run time: uploaded once, again if its data is replaced
    const weight = (name: string | null) => {
      if (name === null) return () => ws.zeros;
      const p = param(name);
      return () => heap.parameter(p);
    };
    const call = (op: string, run: () => void) => this.calls.push({ step: index, op, run });
    const kernel = (op: string, name: KernelName, args: () => number[], total: number, grain: number, minChunk = grain) => call(op, () => backend.run(name, args(), total, grain, minChunk)); // prettier-ignore
    // a GEMM on weight `w` (float32, 16-bit or int8: gemmCall); args with w = 0; rows N * M split by chunk
    const gemm = (op: string, w: Parameter, args: () => number[], total: number, minChunk: number) =>
      call(op, () => backend.run(...gemmCall(heap, w, args()), total, 4, minChunk));
    const x = this.offsets[step.input];
    const out = this.offsets[step.output];
    const inShape = this.plan.values[step.input].shape;
    const outShape = this.plan.values[step.output].shape;
    const inLayout = this.layouts[step.input];
    const outLayout = this.layouts[step.output];
    const label = stepGroup(step); // a block's calls are labelled by part, below

    switch (step.kind) {
      case "conv2d": {
        // the patches (space-to-depth when kernel == stride, im2col otherwise), then one GEMM over them
        const [N, Cin, H, W] = inShape;
        const [, Cout, OH, OW] = outShape;
        const { kernel: k, stride, padding } = step;
        const b = weight(step.bias);
        if (k === stride && padding === 0) {
          kernel(label, "spaceToDepth", () => [ws.patches, x, H, W, inLayout.P, k, outLayout.P], N * Cin, 1);
        } else {
          const args = () => [ws.patches, x, H, W, inLayout.P, k, stride, padding, OH, OW, outLayout.P];
          kernel(label, "im2col", args, N * Cin, 1);
        }
        const K = Cin * k * k;
        const args = () => [out, 0, ws.patches, b(), 0, Cout, K, outLayout.P, N, GEMM_MODE_BIAS, ws.pack, ws.packBytes, OH * OW]; // prettier-ignore
        gemm(label, param(step.weight), args, N * Cout, gemmMinChunk(N, Cout, backend.threads));
        break;
      }
      case "layernorm": {
        const [w, b] = [weight(step.weight), weight(step.bias)];
        const C = step.dataFormat === "channels_first" ? inShape[1] : inShape[inShape.length - 1];
        // both layouts normalise over planes: a map's channels, or a vector's (images are its pixels)
        const groups = ((inLayout.vector ? 1 : inShape[0]) * inLayout.P) / 8;
        kernel(label, "layerNormCF", () => [out, x, w(), b(), C, inLayout.P, step.eps], groups, 1);
        break;
      }
      case "block":
        this.compileBlock(step, index, weight, gemm, param, ws);
        break;
      case "activation": {
        // GELU (unsupported() admits no other) over whole planes, padding included
        const n = inLayout.planes * inLayout.P;
        kernel(label, "geluArray", () => [out, x, n], 1, 1);
        break;
      }
      case "rmsnorm":
      case "simplenorm":
        throw new Error(`${this.backend.kernels} executor: ${step.kind} has no fast kernel`); // see unsupported()
      case "pool": {
        const [N, C, H, W] = inShape;
        kernel(label, "globalAvgPool", () => [out, x, C, inLayout.P, H * W, outLayout.P], N * C, 1);
        break;
      }
      case "linear": {
        const [N, K] = inShape;
        const M = outShape[1];
        const [w, b] = [weight(step.weight), weight(step.bias)];
        const p = param(step.weight);
        if (backend.name === "wasm" || p.dtype !== "F32") {
          // the images are the GEMM's pixels: logits [M, Pn] = W [M, K] . x [K, Pn]
          const args = () => [out, 0, x, b(), 0, M, K, outLayout.P, 1, GEMM_MODE_BIAS, ws.pack, ws.packBytes, N];
          gemm(label, p, args, M, gemmMinChunk(1, M, backend.threads));
        } else {
          // A few images make the head a matrix-vector product bound by reading the weights, which the pure-TS
          // GEMM does badly (it widens every weight panel to float64: 3.3x the reference kernel's time for an
          // ImageNet-22k head); the reference kernel, on rows gathered from the vector layout, reads each
          // float32 weight once.
          const rows = new Float32Array(N * K);
          const result = new Float32Array(N * M);
          call(label, () => {
            const f = heap.f32;
            for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) rows[n * K + k] = f[(x >> 2) + k * inLayout.P + n];
            const wv = heap.view(w(), M * K);
            const bv = step.bias ? heap.view(b(), M) : null;
            linear(result, rows, wv, bv, N, K, M);
            const g = heap.f32;
            for (let m = 0; m < M; m++)
              for (let n = 0; n < N; n++) g[(out >> 2) + m * outLayout.P + n] = result[n * M + m];
          });
        }
        break;
      }
    }
  }

  /**
   * The block: dwconv -> LayerNorm -> pwconv1 + GELU -> [GRN] -> pwconv2 + [layer scale] + residual, on a group
   * of images at a time (blockGroup): every part of it is per image.
   */
  private compileBlock(
    step: BlockStep,
    index: number,
    weight: (name: string | null) => () => number,
    gemm: (op: string, w: Parameter, args: () => number[], total: number, minChunk: number) => void,
    param: (name: string) => Parameter,
    ws: ReturnType<FastProgram["workspace"]>,
  ): void {
    const backend = this.backend;
    const [N, C, H, W] = this.plan.values[step.input].shape;
    const P = this.layouts[step.input].P;
    const hidden = 4 * C;
    const call = (op: string, run: () => void) => this.calls.push({ step: index, op, run });
    const kernel = (op: string, name: KernelName, args: () => number[], total: number, grain: number, minChunk = grain) => call(op, () => backend.run(name, args(), total, grain, minChunk)); // prettier-ignore
    const { dwconv, layernorm, pwconv1, pwconv2, grn } = step;
    const [dw, dwb] = [weight(dwconv.weight), weight(dwconv.bias)];
    const [lw, lb] = [weight(layernorm.weight), weight(layernorm.bias)];
    const [b1, b2] = [weight(pwconv1.bias), weight(pwconv2.bias)];
    const gamma = step.layerScale ? weight(step.layerScale) : () => 0;
    const mode = step.layerScale ? GEMM_MODE_SCALE_RESIDUAL : GEMM_MODE_RESIDUAL;
    const G = blockGroup(N, C, P, backend.threads);

    for (let n0 = 0; n0 < N; n0 += G) {
      const n = Math.min(G, N - n0); // images n0 .. n0 + n
      const x = this.offsets[step.input] + n0 * C * P * 4;
      const out = this.offsets[step.output] + n0 * C * P * 4;
      if (out !== x) {
        // the input lives on (an output, or read again later): the residual sum goes to a copy
        call("residual copy", () => this.heap.f32.copyWithin(out >> 2, x >> 2, (x >> 2) + n * C * P));
      }
      const dwArgs = () => [ws.t, out, dw(), dwb(), C, H, W, P, dwconv.kernel, dwconv.padding, ws.dwScratch, ws.dwBytes]; // prettier-ignore
      kernel("dwconv", "dwconv", dwArgs, n * C, 1);
      kernel("layernorm", "layerNormCF", () => [ws.t, ws.t, lw(), lb(), C, P, layernorm.eps], (n * P) / 8, 1);
      const args1 = () => [ws.h, 0, ws.t, b1(), 0, hidden, C, P, n, GEMM_MODE_GELU, ws.pack, ws.packBytes, H * W];
      gemm("pwconv1+gelu", param(pwconv1.weight), args1, n * hidden, gemmMinChunk(n, hidden, backend.threads));
      if (grn) {
        // per-channel L2 norms (threads), the per-image mean (here), then the update (threads)
        const [gw, gb] = [weight(grn.weight), weight(grn.bias)];
        kernel("grn", "grnNorms", () => [ws.norms, ws.h, H * W, P], n * hidden, 1);
        call("grn", () => grnScales(this.heap.f64, ws.norms >> 3, this.heap.f32, ws.scale >> 2, n, hidden));
        kernel("grn", "grnApply", () => [ws.h, gw(), gb(), ws.scale, hidden, P], n * hidden, 1);
      }
      const args2 = () => [out, 0, ws.h, b2(), gamma(), C, hidden, P, n, mode, ws.pack, ws.packBytes, H * W];
      gemm("pwconv2+scale+residual", param(pwconv2.weight), args2, n * C, gemmMinChunk(n, C, backend.threads));
    }
  }
}
