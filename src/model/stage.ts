// ConvNextStage: an optional downsampling (channels-first LayerNorm + 2x2 stride-2 conv), then the blocks.
// Downsampling exists iff in != out channels or stride > 1, so every stage but the first has one (and the first
// too in timm models whose patch stem has stride 2; docs/REFERENCE.md §1).

import type { ConvNextConfig } from "./config.js";
import { ConvNextLayer } from "./convnext-layer.js";
import { ConvNextV2Layer } from "./convnextv2-layer.js";
import { ModuleList, Module } from "./module.js";
import { Conv2d, makeNorm, type Norm } from "./nn.js";
import type { PlanBuilder } from "./plan.js";
import { blockNormEps } from "./timm-options.js";

/** nn.Sequential(ConvNextLayerNorm, Conv2d): keys `downsampling_layer.0.*` and `.1.*`. */
export class DownsamplingLayer extends ModuleList<Norm | Conv2d> {
  constructor(config: ConvNextConfig, inChannels: number, outChannels: number, stride: number) {
    const { timm } = config;
    super([
      makeNorm(timm?.normLayer ?? "layernorm", inChannels, blockNormEps(timm), "channels_first"),
      new Conv2d(inChannels, outChannels, stride, stride, 0, timm?.convBias ?? true),
    ]);
  }

  describe(plan: PlanBuilder, x: number): number {
    const [norm, conv] = this.items as [Norm, Conv2d];
    return plan.conv2d(plan.norm(x, norm), conv);
  }
}

/** The block of each generation: V1 ConvNextLayer, V2 ConvNextV2Layer (GRN, no layer scale). */
export type ConvNextBlock = ConvNextLayer | ConvNextV2Layer;

function makeBlock(config: ConvNextConfig, dim: number, dropPathRate: number, kernelSize: number): ConvNextBlock {
  return config.modelType === "convnextv2"
    ? new ConvNextV2Layer(config, dim, dropPathRate, kernelSize)
    : new ConvNextLayer(config, dim, dropPathRate, kernelSize);
}

export class ConvNextStage extends Module {
  readonly downsampling_layer: DownsamplingLayer | null;
  readonly layers: ModuleList<ConvNextBlock>;

  constructor(
    config: ConvNextConfig,
    inChannels: number,
    outChannels: number,
    stride: number,
    depth: number,
    dropPathRates: number[],
    kernelSize = 7,
  ) {
    super();
    this.downsampling_layer =
      inChannels !== outChannels || stride > 1 ? new DownsamplingLayer(config, inChannels, outChannels, stride) : null;
    this.layers = new ModuleList(
      Array.from({ length: depth }, (_, j) => makeBlock(config, outChannels, dropPathRates[j], kernelSize)),
    );
  }

  describe(plan: PlanBuilder, x: number): number {
    let h = this.downsampling_layer ? this.downsampling_layer.describe(plan, x) : x;
    for (const layer of this.layers.items) h = layer.describe(plan, h);
    return h;
  }
}
