// The torch.nn building blocks ConvNeXT is made of: each owns its parameters (named like the checkpoint
// keys) and its hyper-parameters. What they compute is defined once, by the executors' steps (plan.ts).

import { Module, Parameter } from "./module.js";
import type { NormLayer } from "./timm-options.js";

/** nn.Conv2d, groups 1: the patchify stem and the downsampling conv (kernel == stride), timm's overlapping stem. */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly stride = kernelSize,
    readonly padding = 0,
    bias = true,
  ) {
    super();
    this.weight = new Parameter([outChannels, inChannels, kernelSize, kernelSize]);
    this.bias = bias ? new Parameter([outChannels]) : null;
  }
}

/** nn.Conv2d(dim, dim, kernel 7, padding 3, groups=dim): the block's spatial mixing. */
export class DepthwiseConv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(
    readonly channels: number,
    readonly kernelSize = 7,
    readonly padding = 3,
    bias = true,
  ) {
    super();
    this.weight = new Parameter([channels, 1, kernelSize, kernelSize]);
    this.bias = bias ? new Parameter([channels]) : null;
  }
}

/** ConvNextLayerNorm / nn.LayerNorm over the channels, in either layout. */
export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    readonly channels: number,
    readonly eps: number,
    readonly dataFormat: "channels_first" | "channels_last",
  ) {
    super();
    this.weight = new Parameter([channels]);
    this.bias = new Parameter([channels]);
  }
}

/**
 * timm's RmsNorm2d ("rmsnorm": x / sqrt(mean(x^2) + eps)) and SimpleNorm2d ("simplenorm": x / sqrt(var(x) + eps)
 * with torch.var's unbiased variance; x is not centred) over the channels, times `weight`; no bias.
 */
export class ScaleNorm extends Module {
  readonly weight: Parameter;
  constructor(
    readonly channels: number,
    readonly eps: number,
    readonly type: "rmsnorm" | "simplenorm",
  ) {
    super();
    this.weight = new Parameter([channels]);
  }
}

/** A norm over the channels: HF's LayerNorm, or timm's scale-only norms. */
export type Norm = LayerNorm | ScaleNorm;

/** The norm a model's `norm_layer` names (HF: always LayerNorm). */
export function makeNorm(
  layer: NormLayer,
  channels: number,
  eps: number,
  dataFormat: "channels_first" | "channels_last",
): Norm {
  return layer === "layernorm" ? new LayerNorm(channels, eps, dataFormat) : new ScaleNorm(channels, eps, layer);
}

/** nn.Linear over the last axis (the pointwise convs of a block, the classifier). */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    this.weight = new Parameter([outFeatures, inFeatures]);
    this.bias = bias ? new Parameter([outFeatures]) : null;
  }
}
