// ConvNextLayer, the ConvNeXT block:
//   x -> dwconv 7x7 -> (NHWC) LayerNorm -> pwconv1 (d -> 4d) -> act -> pwconv2 (4d -> d)
//     -> layer scale -> (NCHW) -> x + drop_path(.)
// ConvNeXT V2 (v2-layer.ts) shares this skeleton and changes what happens after the activation.

import { applyActivation, getActivation } from "../ops/activations.js";
import { dropPath } from "../ops/drop-path.js";
import { layerScale } from "../ops/layer-scale.js";
import { channelsFirstToLast, channelsLastToFirst } from "../ops/transpose.js";
import { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";
import type { ForwardContext } from "./context.js";
import { DepthwiseConv2d, LayerNorm, Linear } from "./layers.js";
import { Module, Parameter } from "./module.js";

/** The inverted-bottleneck block both ConvNeXT generations share. Subclasses declare the fields (in checkpoint order). */
export abstract class ConvNextBlock extends Module {
  abstract readonly dwconv: DepthwiseConv2d;
  abstract readonly layernorm: LayerNorm;
  abstract readonly pwconv1: Linear;
  abstract readonly pwconv2: Linear;
  protected readonly act: (x: number) => number;

  constructor(
    config: ConvNextConfig,
    readonly dim: number,
    readonly dropPathRate: number,
  ) {
    super();
    this.act = getActivation(config.hiddenAct);
  }

  /** V2: GRN on the activation output [N, H, W, 4d]. */
  protected afterActivation(_hidden: Tensor): void {}

  /** V1: layer scale on the branch output [N, H, W, d]. */
  protected afterPwconv2(_branch: Tensor): void {}

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const [N, C, H, W] = x.shape;
    const HW = H * W;
    const spatial = this.dwconv.forward(x);
    const nhwc = Tensor.zeros([N, H, W, C]);
    channelsFirstToLast(nhwc.data, spatial.data, N, C, HW);
    const hidden = this.pwconv1.forward(this.layernorm.forward(nhwc));
    applyActivation(hidden.data, hidden.size, this.act);
    this.afterActivation(hidden);
    const branch = this.pwconv2.forward(hidden);
    this.afterPwconv2(branch);
    if (ctx.training) dropPath(branch.data, N, HW * C, this.dropPathRate, ctx.random);
    const out = Tensor.zeros(x.shape);
    channelsLastToFirst(out.data, branch.data, N, C, HW);
    for (let i = 0; i < out.size; i++) out.data[i] += x.data[i];
    return out;
  }
}

export class ConvNextLayer extends ConvNextBlock {
  readonly layer_scale_parameter: Parameter | null;
  readonly dwconv: DepthwiseConv2d;
  readonly layernorm: LayerNorm;
  readonly pwconv1: Linear;
  readonly pwconv2: Linear;

  constructor(config: ConvNextConfig, dim: number, dropPathRate: number) {
    super(config, dim, dropPathRate);
    // Declared first: PyTorch's state_dict lists a module's own parameters before its children's.
    this.layer_scale_parameter = config.layerScaleInitValue > 0 ? new Parameter([dim]) : null;
    this.dwconv = new DepthwiseConv2d(dim);
    this.layernorm = new LayerNorm(dim, 1e-6, "channels_last");
    this.pwconv1 = new Linear(dim, 4 * dim);
    this.pwconv2 = new Linear(4 * dim, dim);
  }

  protected override afterPwconv2(branch: Tensor): void {
    if (this.layer_scale_parameter) {
      layerScale(branch.data, this.layer_scale_parameter.data, branch.size / this.dim, this.dim);
    }
  }
}
