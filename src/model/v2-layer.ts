// ConvNeXT V2 block (ConvNextV2Layer): the V1 skeleton with Global Response Normalization after the
// activation and no layer scale:
//   x -> dwconv 7x7 -> (NHWC) LayerNorm -> pwconv1 -> act -> GRN -> pwconv2 -> (NCHW) -> x + drop_path(.)

import { globalResponseNorm } from "../ops/grn.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";
import { ConvNextBlock } from "./layer.js";
import { DepthwiseConv2d, LayerNorm, Linear } from "./layers.js";
import { Module, Parameter } from "./module.js";

/** ConvNextV2GRN: `weight` (gamma) and `bias` (beta), both [1, 1, 1, dim]. */
export class ConvNextV2GRN extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  private readonly norms: Float64Array;

  constructor(readonly dim: number) {
    super();
    this.weight = new Parameter([1, 1, 1, dim]);
    this.bias = new Parameter([1, 1, 1, dim]);
    this.norms = new Float64Array(dim);
  }

  /** x: [N, H, W, dim] channels-last, in place. */
  forwardInPlace(x: Tensor): void {
    const [N, H, W] = x.shape;
    globalResponseNorm(x.data, this.weight.data, this.bias.data, N, H * W, this.dim, this.norms);
  }
}

export class ConvNextV2Layer extends ConvNextBlock {
  readonly dwconv: DepthwiseConv2d;
  readonly layernorm: LayerNorm;
  readonly pwconv1: Linear;
  readonly grn: ConvNextV2GRN;
  readonly pwconv2: Linear;

  constructor(config: ConvNextConfig, dim: number, dropPathRate: number) {
    super(config, dim, dropPathRate);
    this.dwconv = new DepthwiseConv2d(dim);
    this.layernorm = new LayerNorm(dim, 1e-6, "channels_last");
    this.pwconv1 = new Linear(dim, 4 * dim);
    this.grn = new ConvNextV2GRN(4 * dim);
    this.pwconv2 = new Linear(4 * dim, dim);
  }

  protected override afterActivation(hidden: Tensor): void {
    this.grn.forwardInPlace(hidden);
  }
}
