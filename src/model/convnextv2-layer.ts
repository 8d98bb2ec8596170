// ConvNeXT V2 block (ConvNextV2Layer): the V1 skeleton with Global Response Normalization after the
// activation and no layer scale:
//   x -> dwconv 7x7 -> (NHWC) LayerNorm -> pwconv1 -> act -> GRN -> pwconv2 -> (NCHW) -> x + drop_path(.)
// (docs/REFERENCE.md §4)

import type { ConvNextConfig } from "./config.js";
import { Module, Parameter } from "./module.js";
import { DepthwiseConv2d, LayerNorm, Linear } from "./nn.js";
import type { PlanBuilder } from "./plan.js";

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
  readonly dwconv: DepthwiseConv2d;
  readonly layernorm: LayerNorm;
  readonly pwconv1: Linear;
  readonly activation: string;
  readonly grn: ConvNextV2GRN;
  readonly pwconv2: Linear;

  constructor(
    config: ConvNextConfig,
    readonly dim: number,
    readonly dropPathRate: number,
  ) {
    super();
    this.dwconv = new DepthwiseConv2d(dim);
    this.layernorm = new LayerNorm(dim, 1e-6, "channels_last");
    this.pwconv1 = new Linear(dim, 4 * dim);
    this.activation = config.hiddenAct;
    this.grn = new ConvNextV2GRN(4 * dim);
    this.pwconv2 = new Linear(4 * dim, dim);
  }

  describe(plan: PlanBuilder, x: number): number {
    return plan.block(x, this, { grn: this.grn, layerScale: null });
  }
}
