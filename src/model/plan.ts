// The forward pass as plain data: a list of steps over numbered values, built once per model and input shape
// from the module tree (each module adds its own steps, see `describe` in the model classes). Every output
// size comes from one geometry function (ops/conv-geometry.ts); every parameter a step reads is named by its
// checkpoint key, and optional weights (bias, GRN, layer scale) are present by construction or null.
// Executors (reference-executor.ts here, the fast ones in src/backend) run plans; nothing else walks the network.

import { convOutputSize } from "../ops/conv-geometry.js";
import { formatShape } from "../tensor/tensor.js";
import type { Module, Parameter } from "./module.js";
import { LayerNorm, type Conv2d, type DepthwiseConv2d, type Linear, type Norm } from "./nn.js";

/** A tensor of the pass: a feature map [N, C, H, W] or a vector per image [N, C]. */
export interface PlanValue {
  readonly shape: readonly number[];
  /** The module that produced it (its checkpoint key prefix), or "pixel_values". */
  readonly module: string;
  /** Input pixels per step of this map (the product of the strides before it), for size messages. */
  readonly stride: number;
}

/**
 * nn.Conv2d, groups 1, zero padding: the patchify stem and the downsampling conv (kernel == stride, no padding),
 * timm's overlapping stem (3x3, stride 2, padding 1).
 */
export interface Conv2dStep {
  readonly kind: "conv2d";
  readonly module: string;
  readonly input: number;
  readonly output: number;
  readonly weight: string; // [Cout, Cin, k, k]
  readonly bias: string | null; // [Cout]
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

/** ConvNextLayerNorm over the channels: dim 1 of a map (channels_first) or the last dim of a vector. */
export interface LayerNormStep {
  readonly kind: "layernorm";
  readonly module: string;
  readonly input: number;
  readonly output: number;
  readonly weight: string; // [C]
  readonly bias: string; // [C]
  readonly eps: number;
  readonly dataFormat: "channels_first" | "channels_last";
}

/**
 * timm's RmsNorm2d / SimpleNorm2d over the channels (dim 1 of a map or of a vector), no bias, no centring:
 * out = x / sqrt(s + eps) * weight, s = mean(x^2) ("rmsnorm") or the unbiased variance ("simplenorm").
 */
export interface ScaleNormStep {
  readonly kind: "rmsnorm" | "simplenorm";
  readonly module: string;
  readonly input: number;
  readonly output: number;
  readonly weight: string; // [C]
  readonly eps: number;
}

/** An element-wise activation (an ACT2FN name): timm's overlap_act stem, the head's pre_logits GELU. */
export interface ActivationStep {
  readonly kind: "activation";
  readonly module: string;
  readonly input: number;
  readonly output: number;
  readonly activation: string;
}

/**
 * One ConvNeXT block (V1 ConvNextLayer, V2 ConvNextV2Layer): x + drop_path(branch(x)) where branch is
 * dwconv -> (NHWC) layernorm -> pwconv1 -> activation -> [GRN] -> pwconv2 -> [layer scale] -> (NCHW).
 * The norm is a LayerNorm except in timm's rmsnorm / simplenorm models (`layernorm.type`, bias null).
 * What each part computes is defined once, in reference-executor.ts.
 */
export interface BlockStep {
  readonly kind: "block";
  readonly module: string;
  readonly input: number;
  readonly output: number;
  readonly dwconv: { weight: string; bias: string | null; kernel: number; padding: number }; // weight [C, 1, k, k]
  readonly layernorm: { weight: string; bias: string | null; eps: number; type: "layernorm" | "rmsnorm" | "simplenorm" }; // prettier-ignore
  readonly pwconv1: { weight: string; bias: string | null }; // [4C, C]
  readonly activation: string; // an ACT2FN name
  readonly grn: { weight: string; bias: string } | null; // [1, 1, 1, 4C]
  readonly pwconv2: { weight: string; bias: string | null }; // [C, 4C]
  readonly layerScale: string | null; // [C]
  /** Drop path rate in training mode; 0 in inference, where drop path is the identity. */
  readonly dropPath: number;
}

/** Global average pooling over H and W: [N, C, H, W] -> [N, C]. */
export interface PoolStep {
  readonly kind: "pool";
  readonly module: string;
  readonly input: number;
  readonly output: number;
}

/** nn.Linear on a vector per image: the classifier head. */
export interface LinearStep {
  readonly kind: "linear";
  readonly module: string;
  readonly input: number;
  readonly output: number;
  readonly weight: string; // [out, in]
  readonly bias: string | null; // [out]
}

export type PlanStep = Conv2dStep | LayerNormStep | ScaleNormStep | ActivationStep | BlockStep | PoolStep | LinearStep;

export interface Plan {
  readonly values: readonly PlanValue[];
  readonly steps: readonly PlanStep[];
  /** The value holding pixel_values. */
  readonly input: number;
  /** What the pass returns, under transformers' output names (logits, pooler_output, hidden_states.1, ...). */
  readonly outputs: ReadonlyArray<readonly [string, number]>;
}

/** Records the steps of a module tree; used by the models' `describe` methods. */
export class PlanBuilder {
  private readonly values: PlanValue[] = [];
  private readonly steps: PlanStep[] = [];
  private readonly outputs: Array<[string, number]> = [];
  private readonly names: Map<Parameter, string>;
  private inputValue = -1;

  /** `root` is the model the plan runs (its state_dict names the parameters); `training` turns drop path on. */
  constructor(
    root: Module,
    readonly training: boolean,
  ) {
    this.names = new Map(root.namedParameters().map(([name, p]) => [p, name]));
  }

  shape(value: number): readonly number[] {
    return this.values[value].shape;
  }

  input(shape: readonly number[]): number {
    this.inputValue = this.value(shape, "pixel_values", 1);
    return this.inputValue;
  }

  conv2d(x: number, conv: Conv2d): number {
    const [N, , H, W] = this.shape(x);
    const { kernelSize: k, stride, padding } = conv;
    const OH = convOutputSize(H, k, stride, padding);
    const OW = convOutputSize(W, k, stride, padding);
    const module = this.moduleOf(conv.weight);
    if (OH < 1 || OW < 1) throw new Error(this.tooSmall(x, `${module} (a ${k}x${k} conv, stride ${stride})`, k));
    const output = this.value([N, conv.outChannels, OH, OW], module, this.values[x].stride * stride);
    const bias = conv.bias ? this.name(conv.bias) : null;
    const step = { kind: "conv2d", module, input: x, output, weight: this.name(conv.weight), bias, kernel: k, stride, padding } as const; // prettier-ignore
    this.steps.push(step);
    return output;
  }

  layerNorm(x: number, norm: LayerNorm): number {
    const shape = this.shape(x);
    const channels = norm.dataFormat === "channels_first" ? shape[1] : shape[shape.length - 1];
    if (channels !== norm.channels) throw new Error(`${this.moduleOf(norm.weight)}: ${norm.channels} channels, input ${formatShape(shape)}`); // prettier-ignore
    const module = this.moduleOf(norm.weight);
    const output = this.value(shape, module, this.values[x].stride);
    this.steps.push({
      kind: "layernorm",
      module,
      input: x,
      output,
      weight: this.name(norm.weight),
      bias: this.name(norm.bias),
      eps: norm.eps,
      dataFormat: norm.dataFormat,
    });
    return output;
  }

  /** Any norm over the channels: a LayerNorm step, or timm's rmsnorm / simplenorm. */
  norm(x: number, norm: Norm): number {
    if (norm instanceof LayerNorm) return this.layerNorm(x, norm);
    const shape = this.shape(x);
    const module = this.moduleOf(norm.weight);
    if (shape[1] !== norm.channels) throw new Error(`${module}: ${norm.channels} channels, input ${formatShape(shape)}`); // prettier-ignore
    const output = this.value(shape, module, this.values[x].stride);
    this.steps.push({ kind: norm.type, module, input: x, output, weight: this.name(norm.weight), eps: norm.eps });
    return output;
  }

  /** An element-wise activation on the output of a layer, named `<that layer>.act` (it has no parameters). */
  activation(x: number, activation: string): number {
    const module = `${this.values[x].module}.act`;
    const output = this.value(this.shape(x), module, this.values[x].stride);
    this.steps.push({ kind: "activation", module, input: x, output, activation });
    return output;
  }

  /** A ConvNeXT block; `grn` and `layerScale` are null for the generation that has none. */
  block(
    x: number,
    layer: {
      dwconv: DepthwiseConv2d;
      layernorm: Norm;
      pwconv1: Linear;
      activation: string;
      pwconv2: Linear;
      dropPathRate: number;
    },
    extras: { grn: { weight: Parameter; bias: Parameter } | null; layerScale: Parameter | null },
  ): number {
    const shape = this.shape(x);
    const { dwconv, layernorm, pwconv1, pwconv2 } = layer;
    const module = this.moduleOf(dwconv.weight).replace(/\.dwconv$/, "");
    const [, H, W] = [shape[1], shape[2], shape[3]];
    const same = convOutputSize(H, dwconv.kernelSize, 1, dwconv.padding) === H;
    if (!same || convOutputSize(W, dwconv.kernelSize, 1, dwconv.padding) !== W) {
      throw new Error(`${module}: a ${dwconv.kernelSize}x${dwconv.kernelSize} dwconv with padding ${dwconv.padding} changes the map size`); // prettier-ignore
    }
    const output = this.value(shape, module, this.values[x].stride);
    const optional = (p: Parameter | null) => (p ? this.name(p) : null);
    this.steps.push({
      kind: "block",
      module,
      input: x,
      output,
      dwconv: { weight: this.name(dwconv.weight), bias: optional(dwconv.bias), kernel: dwconv.kernelSize, padding: dwconv.padding }, // prettier-ignore
      layernorm: {
        weight: this.name(layernorm.weight),
        bias: layernorm instanceof LayerNorm ? this.name(layernorm.bias) : null,
        eps: layernorm.eps,
        type: layernorm instanceof LayerNorm ? "layernorm" : layernorm.type,
      },
      pwconv1: { weight: this.name(pwconv1.weight), bias: optional(pwconv1.bias) },
      activation: layer.activation,
      grn: extras.grn ? { weight: this.name(extras.grn.weight), bias: this.name(extras.grn.bias) } : null,
      pwconv2: { weight: this.name(pwconv2.weight), bias: optional(pwconv2.bias) },
      layerScale: optional(extras.layerScale),
      dropPath: this.training ? layer.dropPathRate : 0,
    });
    return output;
  }

  pool(x: number, module: string): number {
    const [N, C] = this.shape(x);
    const output = this.value([N, C], module, this.values[x].stride);
    this.steps.push({ kind: "pool", module, input: x, output });
    return output;
  }

  linear(x: number, linear: Linear): number {
    const [N, K] = this.shape(x);
    if (K !== linear.inFeatures) throw new Error(`${this.moduleOf(linear.weight)}: ${linear.inFeatures} inputs, got ${K}`); // prettier-ignore
    const module = this.moduleOf(linear.weight);
    const output = this.value([N, linear.outFeatures], module, 1);
    const bias = linear.bias ? this.name(linear.bias) : null;
    this.steps.push({ kind: "linear", module, input: x, output, weight: this.name(linear.weight), bias });
    return output;
  }

  /** Declares `value` an output of the pass under transformers' name for it. */
  output(name: string, value: number): void {
    this.outputs.push([name, value]);
  }

  build(): Plan {
    return { values: this.values, steps: this.steps, input: this.inputValue, outputs: this.outputs };
  }

  private value(shape: readonly number[], module: string, stride: number): number {
    this.values.push({ shape: [...shape], module, stride });
    return this.values.length - 1;
  }

  private name(p: Parameter): string {
    const name = this.names.get(p);
    if (name === undefined) throw new Error(`plan: a parameter of shape ${formatShape(p.shape)} is not in the model`);
    return name;
  }

  private moduleOf(p: Parameter): string {
    return this.name(p).replace(/\.[^.]+$/, "");
  }

  private tooSmall(x: number, what: string, kernel: number): string {
    const [, , H, W] = this.shape(this.inputValue);
    const [, , h, w] = this.shape(x);
    const minimum = this.values[x].stride * kernel;
    return `input ${H}x${W} is too small: ${what} gets a ${h}x${w} map (the input must be at least ${minimum} pixels on each side)`; // prettier-ignore
  }
}

/** The parameters a step reads, by checkpoint key (for executors that upload or quantize them). */
export function stepParameters(step: PlanStep): string[] {
  const names: Array<string | null> = [];
  switch (step.kind) {
    case "conv2d":
    case "layernorm":
    case "linear":
      names.push(step.weight, step.bias);
      break;
    case "rmsnorm":
    case "simplenorm":
      names.push(step.weight);
      break;
    case "block":
      names.push(step.dwconv.weight, step.dwconv.bias, step.layernorm.weight, step.layernorm.bias);
      names.push(step.pwconv1.weight, step.pwconv1.bias, step.grn?.weight ?? null, step.grn?.bias ?? null);
      names.push(step.pwconv2.weight, step.pwconv2.bias, step.layerScale);
      break;
    case "pool":
    case "activation":
      break;
  }
  return names.filter((n): n is string => n !== null);
}
