// ConvNextStage: an optional downsampling (channels-first LayerNorm + 2x2 stride-2 conv), then the blocks.
// Downsampling exists iff in != out channels or stride > 1, so every stage but the first has one.

import { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";
import type { ForwardContext } from "./context.js";
import { ConvNextLayer, type ConvNextBlock } from "./layer.js";
import { ConvNextV2Layer } from "./v2-layer.js";
import { LayerNorm, PatchifyConv2d } from "./layers.js";
import { Module, ModuleList } from "./module.js";

export class DownsamplingLayer extends ModuleList<LayerNorm | PatchifyConv2d> {
  constructor(inChannels: number, outChannels: number, stride: number) {
    super([new LayerNorm(inChannels, 1e-6, "channels_first"), new PatchifyConv2d(inChannels, outChannels, stride)]);
  }

  forward(x: Tensor): Tensor {
    const [norm, conv] = this.items as [LayerNorm, PatchifyConv2d];
    return conv.forward(norm.forward(x));
  }
}

/** The block of each generation: V1 ConvNextLayer, V2 ConvNextV2Layer (GRN, no layer scale). */
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

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    let h = this.downsampling_layer ? this.downsampling_layer.forward(x) : x;
    for (const layer of this.layers.items) h = layer.forward(h, ctx);
    return h;
  }
}
