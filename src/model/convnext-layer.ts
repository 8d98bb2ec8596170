// ConvNextLayer, the ConvNeXT block:
//   x -> dwconv 7x7 -> (NHWC) LayerNorm -> pwconv1 (d -> 4d) -> act -> pwconv2 (4d -> d)
//     -> layer scale -> (NCHW) -> x + drop_path(.)
// The block is one plan step; reference-executor.ts computes it exactly as modeling_convnext.py writes it.

import type { ConvNextConfig } from "./config.js";
import { Module, Parameter } from "./module.js";
import { DepthwiseConv2d, Linear, makeNorm, type Norm } from "./nn.js";
import type { PlanBuilder } from "./plan.js";
import { blockNormEps } from "./timm-options.js";

export class ConvNextLayer extends Module {
  readonly layer_scale_parameter: Parameter | null;
  readonly dwconv: DepthwiseConv2d;
  readonly layernorm: Norm;
  readonly pwconv1: Linear;
  readonly pwconv2: Linear;
  readonly activation: string;

  constructor(
    config: ConvNextConfig,
    readonly dim: number,
    readonly dropPathRate: number,
    kernelSize = 7,
  ) {
    super();
    // Declared first: PyTorch's state_dict lists a module's own parameters before its children's.
    this.layer_scale_parameter = config.layerScaleInitValue > 0 ? new Parameter([dim]) : null;
    const { timm } = config;
    this.dwconv = new DepthwiseConv2d(dim, kernelSize, kernelSize >> 1, timm?.convBias ?? true);
    this.layernorm = makeNorm(timm?.normLayer ?? "layernorm", dim, blockNormEps(timm), "channels_last");
    this.pwconv1 = new Linear(dim, 4 * dim);
    this.activation = config.hiddenAct;
    this.pwconv2 = new Linear(4 * dim, dim);
  }

  describe(plan: PlanBuilder, x: number): number {
    return plan.block(x, this, { grn: null, layerScale: this.layer_scale_parameter });
  }
}
