// ConvNeXT V2 block (ConvNextV2Layer): the V1 skeleton with Global Response Normalization after the
// activation and no layer scale:
//   x -> dwconv 7x7 -> (NHWC) LayerNorm -> pwconv1 -> act -> GRN -> pwconv2 -> (NCHW) -> x + drop_path(.)
// (docs/REFERENCE.md §4)

import type { ConvNextConfig } from "./config.js";
import { Module, Parameter } from "./module.js";
import { DepthwiseConv2d, Linear, makeNorm, type Norm } from "./nn.js";
import type { PlanBuilder } from "./plan.js";
import { blockNormEps } from "./timm-options.js";

/** ConvNextV2GRN: `weight` (gamma) and `bias` (beta), both [1, 1, 1, dim]. */
export class ConvNextV2GRN extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(readonly dim: number) {
    super();
    this.weight = new Parameter([1, 1, 1, dim]);
    this.bias = new Parameter([1, 1, 1, dim]);
  }
}

export class ConvNextV2Layer extends Module {
  /** Only in timm models with both use_grn and ls_init_value (HF's V2 block has no layer scale). */
  readonly layer_scale_parameter: Parameter | null;
  readonly dwconv: DepthwiseConv2d;
  readonly layernorm: Norm;
  readonly pwconv1: Linear;
  readonly activation: string;
  readonly grn: ConvNextV2GRN;
  readonly pwconv2: Linear;

  constructor(
    config: ConvNextConfig,
    readonly dim: number,
    readonly dropPathRate: number,
    kernelSize = 7,
  ) {
    super();
    this.layer_scale_parameter = config.layerScaleInitValue > 0 ? new Parameter([dim]) : null;
    const { timm } = config;
    this.dwconv = new DepthwiseConv2d(dim, kernelSize, kernelSize >> 1, timm?.convBias ?? true);
    this.layernorm = makeNorm(timm?.normLayer ?? "layernorm", dim, blockNormEps(timm), "channels_last");
    this.pwconv1 = new Linear(dim, 4 * dim);
    this.activation = config.hiddenAct;
    this.grn = new ConvNextV2GRN(4 * dim);
    this.pwconv2 = new Linear(4 * dim, dim);
  }

  describe(plan: PlanBuilder, x: number): number {
    return plan.block(x, this, { grn: this.grn, layerScale: this.layer_scale_parameter });
  }
}
