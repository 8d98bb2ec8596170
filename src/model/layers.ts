// The building blocks ConvNeXT is made of (torch.nn names), each owning its parameters and calling
// one reference kernel. Tensors in and out are NCHW, except where a name says channels-last.

import { depthwiseConv2d } from "../ops/depthwise-conv.js";
import { layerNormChannelsFirst, layerNormChannelsLast } from "../ops/layer-norm.js";
import { linear } from "../ops/linear.js";
import { patchifyConv2d } from "../ops/patchify-conv.js";
import { Tensor } from "../tensor/tensor.js";
import { Module, Parameter } from "./module.js";

/** nn.Conv2d with kernel == stride and no padding (stem, downsampling). */
export class PatchifyConv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
  ) {
    super();
    this.weight = new Parameter([outChannels, inChannels, kernelSize, kernelSize]);
    this.bias = new Parameter([outChannels]);
  }

  forward(x: Tensor): Tensor {
    const [N, C, H, W] = x.shape;
    const k = this.kernelSize;
    const out = Tensor.zeros([N, this.outChannels, Math.floor(H / k), Math.floor(W / k)]);
    patchifyConv2d(out.data, x.data, this.weight.data, this.bias.data, N, C, H, W, this.outChannels, k);
    return out;
  }
}

/** nn.Conv2d(dim, dim, kernel 7, padding 3, groups=dim). */
export class DepthwiseConv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    readonly channels: number,
    readonly kernelSize = 7,
    readonly padding = 3,
  ) {
    super();
    this.weight = new Parameter([channels, 1, kernelSize, kernelSize]);
    this.bias = new Parameter([channels]);
  }

  forward(x: Tensor): Tensor {
    const [N, C, H, W] = x.shape;
    const out = Tensor.zeros([N, C, H, W]);
    depthwiseConv2d(out.data, x.data, this.weight.data, this.bias.data, N, C, H, W, this.kernelSize, this.padding);
    return out;
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

  /** channels_first: x is [N, C, H, W]; channels_last: x is [..., C]. */
  forward(x: Tensor): Tensor {
    const out = Tensor.zeros(x.shape);
    const C = this.channels;
    if (this.dataFormat === "channels_first") {
      const [N, , H, W] = x.shape;
      layerNormChannelsFirst(out.data, x.data, this.weight.data, this.bias.data, N, C, H * W, this.eps);
    } else {
      layerNormChannelsLast(out.data, x.data, this.weight.data, this.bias.data, x.size / C, C, this.eps);
    }
    return out;
  }
}

/** nn.Linear over the last axis. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
  ) {
    super();
    this.weight = new Parameter([outFeatures, inFeatures]);
    this.bias = new Parameter([outFeatures]);
  }

  forward(x: Tensor): Tensor {
    const rows = x.size / this.inFeatures;
    const out = Tensor.zeros([...x.shape.slice(0, -1), this.outFeatures]);
    linear(out.data, x.data, this.weight.data, this.bias.data, rows, this.inFeatures, this.outFeatures);
    return out;
  }
}
