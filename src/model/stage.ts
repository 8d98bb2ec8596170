// ConvNextStage: an optional downsampling (channels-first LayerNorm + 2x2 stride-2 conv), then the blocks.
// Downsampling exists iff in != out channels or stride > 1, so every stage but the first has one
// (docs/REFERENCE.md §1).

import type { ConvNextConfig } from "./config.js";
import { ConvNextLayer } from "./convnext-layer.js";
import { ConvNextV2Layer } from "./convnextv2-layer.js";
import { ModuleList, Module } from "./module.js";
import { Conv2d, LayerNorm } from "./nn.js";
import type { PlanBuilder } from "./plan.js";

/** nn.Sequential(ConvNextLayerNorm, Conv2d): keys `downsampling_layer.0.*` and `.1.*`. */
export class DownsamplingLayer extends ModuleList<LayerNorm | Conv2d> {
  constructor(inChannels: number, outChannels: number, stride: number) {
    super([new LayerNorm(inChannels, 1e-6, "channels_first"), new Conv2d(inChannels, outChannels, stride)]);
  }

  describe(plan: PlanBuilder, x: number): number {
    const [norm, conv] = this.items as [LayerNorm, Conv2d];
    return plan.conv2d(plan.layerNorm(x, norm), conv);
  }
}

/** The block of each generation: V1 ConvNextLayer, V2 ConvNextV2Layer (GRN, no layer scale). */
export type ConvNextBlock = ConvNextLayer | ConvNextV2Layer;

function makeBlock(config: ConvNextConfig, dim: number, dropPathRate: number): ConvNextBlock {
  return config.modelType === "convnextv2"
    ? new ConvNextV2Layer(config, dim, dropPathRate)
    : new ConvNextLayer(config, dim, dropPathRate);
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
  ) {
    super();
    this.downsampling_layer =
      inChannels !== outChannels || stride > 1 ? new DownsamplingLayer(inChannels, outChannels, stride) : null;
    this.layers = new ModuleList(
      Array.from({ length: depth }, (_, j) => makeBlock(config, outChannels, dropPathRates[j])),
    );
  }

  describe(plan: PlanBuilder, x: number): number {
    let h = this.downsampling_layer ? this.downsampling_layer.describe(plan, x) : x;
    for (const layer of this.layers.items) h = layer.describe(plan, h);
    return h;
  }
}
