// ConvNextEmbeddings, the stem. HF's (and timm's default "patch" stem): a patch_size x patch_size conv with
// stride patch_size, then a channels-first LayerNorm (eps 1e-6, hard-coded in HF; docs/REFERENCE.md §1). timm's overlapping stems
// (TimmOptions.stemType): conv1 3x3 stride 2 padding 1 -> [activation, "overlap_act"] -> conv2 3x3 stride 2
// padding 1 -> norm; "overlap_tiered" gives conv1 half the channels.

import type { ConvNextConfig } from "./config.js";
import { Module } from "./module.js";
import { Conv2d, makeNorm, type Norm } from "./nn.js";
import type { PlanBuilder } from "./plan.js";
import { blockNormEps } from "./timm-options.js";

export class ConvNextEmbeddings extends Module {
  readonly patch_embeddings: Conv2d | null;
  readonly conv1: Conv2d | null;
  readonly conv2: Conv2d | null;
  readonly layernorm: Norm;
  /** The activation between an overlap_act stem's convs, or null. */
  readonly activation: string | null;

  constructor(config: ConvNextConfig) {
    super();
    const { timm, numChannels, hiddenSizes } = config;
    const bias = timm?.convBias ?? true;
    const overlap = timm !== null && timm.stemType !== "patch";
    this.patch_embeddings = overlap ? null : new Conv2d(numChannels, hiddenSizes[0], config.patchSize, config.patchSize, 0, bias); // prettier-ignore
    this.conv1 = overlap ? new Conv2d(numChannels, timm.stemChannels, 3, 2, 1, bias) : null;
    this.conv2 = overlap ? new Conv2d(timm.stemChannels, hiddenSizes[0], 3, 2, 1, bias) : null;
    this.activation = timm?.stemType === "overlap_act" ? config.hiddenAct : null;
    this.layernorm = makeNorm(timm?.normLayer ?? "layernorm", hiddenSizes[0], blockNormEps(timm), "channels_first");
  }

  /** forward(pixel_values): the steps it adds to a plan; returns the embeddings output. */
  describe(plan: PlanBuilder, pixelValues: number): number {
    let x: number;
    if (this.patch_embeddings) {
      x = plan.conv2d(pixelValues, this.patch_embeddings);
    } else {
      x = plan.conv2d(pixelValues, this.conv1!);
      if (this.activation) x = plan.activation(x, this.activation);
      x = plan.conv2d(x, this.conv2!);
    }
    return plan.norm(x, this.layernorm);
  }
}
