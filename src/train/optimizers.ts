// torch.optim.SGD and torch.optim.AdamW, update for update as PyTorch 1.13's single-tensor code writes them
// (every tensor op rounded to float32; AdamW's bias corrections in float64 Python scalars, ops/adamw.ts), with
// parameter groups (e.g. no weight decay on biases and norms) and a learning rate that a schedule may change
// per step.

import type { Parameter } from "../model/module.js";
import { requireFloat32Parameters } from "./float32.js";
import { referenceKernels, type TrainingKernels } from "./kernels.js";

export interface ParamGroup {
  params: Array<[string, Parameter]>;
  /** Overrides the optimizer's default for this group. */
  lr?: number;
  weightDecay?: number;
}

export interface Optimizer {
  /** The groups with their current learning rate (`lr`, set by a schedule) and the one they started with. */
  readonly groups: Array<Required<Omit<ParamGroup, "params">> & ParamGroup & { initialLr: number }>;
  /**
   * One update from gradients by parameter name (a parameter without a gradient is skipped, as torch's None);
   * `kernels` (default: the reference ones) run AdamW's update.
   */
  step(grads: ReadonlyMap<string, Float32Array>, kernels?: TrainingKernels): void;
  /** Per-parameter state (momentum buffers, Adam moments) and step counts, for checkpoints. */
  stateDict(): Map<string, Float32Array>;
  loadStateDict(state: ReadonlyMap<string, Float32Array>): void;
}

const f = Math.fround;

function makeGroups(params: Array<[string, Parameter]> | ParamGroup[], lr: number, weightDecay: number, what: string) {
  const groups: ParamGroup[] =
    params.length > 0 && Array.isArray(params[0]) ? [{ params: params as Array<[string, Parameter]> }] : (params as ParamGroup[]); // prettier-ignore
  requireFloat32Parameters(
    groups.flatMap((g) => g.params),
    what,
  ); // the updates write Parameter.data
  const seen = new Set<string>();
  for (const g of groups) {
    for (const [name] of g.params) {
      if (seen.has(name)) throw new Error(`optimizer: parameter ${name} is in more than one group`);
      seen.add(name);
    }
  }
  return groups.map((g) => ({
    ...g,
    lr: g.lr ?? lr,
    initialLr: g.lr ?? lr,
    weightDecay: g.weightDecay ?? weightDecay,
  }));
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  maximize?: boolean;
}

export class SGD implements Optimizer {
  readonly groups;
  private readonly buffers = new Map<string, Float32Array>();
  private readonly options: Required<SGDOptions>;

  constructor(params: Array<[string, Parameter]> | ParamGroup[], options: SGDOptions) {
    this.options = { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, ...options };
    const { momentum, dampening, nesterov } = this.options;
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new Error("SGD: Nesterov momentum requires a momentum and zero dampening");
    }
    this.groups = makeGroups(params, options.lr, this.options.weightDecay, "SGD");
  }

  step(grads: ReadonlyMap<string, Float32Array>): void {
    const { momentum, dampening, nesterov, maximize } = this.options;
    for (const { params, lr, weightDecay } of this.groups) {
      for (const [name, p] of params) {
        const g = grads.get(name);
        if (!g) continue;
        const x = p.data;
        let buf = this.buffers.get(name);
        const first = !buf && momentum !== 0;
        if (first) this.buffers.set(name, (buf = new Float32Array(x.length)));
        const c = 1 - dampening;
        for (let i = 0; i < x.length; i++) {
          const xi = x[i];
          let d = maximize ? -g[i] : g[i];
          if (weightDecay !== 0) d = f(d + f(weightDecay * xi)); // d_p = d_p.add(param, alpha=weight_decay)
          if (buf) {
            const b = first ? d : f(f(buf[i] * momentum) + f(c * d));
            buf[i] = b;
            d = nesterov ? f(d + f(momentum * b)) : b;
          }
          x[i] = f(xi + f(-lr * d));
        }
      }
    }
  }

  stateDict(): Map<string, Float32Array> {
    return new Map([...this.buffers].map(([k, v]) => [`${k}.momentum_buffer`, v]));
  }

  loadStateDict(state: ReadonlyMap<string, Float32Array>): void {
    for (const [k, v] of state) if (k.endsWith(".momentum_buffer")) this.buffers.set(k.slice(0, -16), v.slice());
  }
}

export interface AdamWOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** torch's default is 0.01. */
  weightDecay?: number;
}

export class AdamW implements Optimizer {
  readonly groups;
  private readonly moments = new Map<string, { m: Float32Array; v: Float32Array; t: number }>();
  private readonly betas: [number, number];
  private readonly eps: number;

  constructor(params: Array<[string, Parameter]> | ParamGroup[], options: AdamWOptions) {
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.groups = makeGroups(params, options.lr, options.weightDecay ?? 0.01, "AdamW");
  }

  step(grads: ReadonlyMap<string, Float32Array>, kernels: TrainingKernels = referenceKernels): void {
    const [b1, b2] = this.betas;
    for (const { params, lr, weightDecay } of this.groups) {
      for (const [name, p] of params) {
        const g = grads.get(name);
        if (!g) continue;
        const n = p.data.length;
        let s = this.moments.get(name);
        // the moments where the kernels update them in place (a fast backend's heap), also those a
        // loadStateDict (--resume) gave as plain arrays
        if (!s) this.moments.set(name, (s = { m: kernels.alloc(n).fill(0), v: kernels.alloc(n).fill(0), t: 0 }));
        else if (!kernels.inPlace(s.m) || !kernels.inPlace(s.v)) {
          const [m, v] = [kernels.alloc(n), kernels.alloc(n)];
          m.set(s.m);
          v.set(s.v);
          this.moments.set(name, (s = { m, v, t: s.t }));
        }
        s.t += 1;
        const stepSize = lr / (1 - b1 ** s.t); // Python floats
        const correction2 = Math.sqrt(1 - b2 ** s.t);
        kernels.adamw(p.data, s.m, s.v, g, n, 1 - lr * weightDecay, b1, b2, stepSize, correction2, this.eps);
      }
    }
  }

  stateDict(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [k, s] of this.moments) {
      out.set(`${k}.exp_avg`, s.m);
      out.set(`${k}.exp_avg_sq`, s.v);
      out.set(`${k}.step`, Float32Array.of(s.t));
    }
    return out;
  }

  loadStateDict(state: ReadonlyMap<string, Float32Array>): void {
    for (const [k, v] of state) {
      if (!k.endsWith(".step")) continue;
      const name = k.slice(0, -5);
      const m = state.get(`${name}.exp_avg`);
      const sq = state.get(`${name}.exp_avg_sq`);
      if (m && sq) this.moments.set(name, { m: m.slice(), v: sq.slice(), t: v[0] });
    }
  }
}

/**
 * The HF Trainer's two groups: weight decay on every parameter except biases and nn.LayerNorm weights (in
 * ConvNeXT only the pooler's `layernorm`: ConvNextLayerNorm is not an nn.LayerNorm, so HF decays those).
 */
export function trainerParamGroups(params: Array<[string, Parameter]>, weightDecay: number): ParamGroup[] {
  const noDecay = (name: string) =>
    name.endsWith(".bias") || /^((convnext|convnextv2)\.)?layernorm\.weight$/.test(name);
  return [
    { params: params.filter(([n]) => !noDecay(n)), weightDecay },
    { params: params.filter(([n]) => noDecay(n)), weightDecay: 0 },
  ];
}

/** torch's LambdaLR: every group's learning rate = its initial one times `factor` (a schedule's value). */
export function scaleLearningRate(optimizer: Optimizer, factor: number): void {
  for (const g of optimizer.groups) g.lr = g.initialLr * factor;
}
