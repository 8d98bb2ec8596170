// ConvNextEmbeddings, the "patchify" stem: a patch_size x patch_size conv with stride patch_size,
// then a channels-first LayerNorm (eps 1e-6, hard-coded in HF; docs/REFERENCE.md §1).

import type { ConvNextConfig } from "./config.js";
import { Module } from "./module.js";
import { Conv2d, LayerNorm } from "./nn.js";
import type { PlanBuilder } from "./plan.js";

export class ConvNextEmbeddings extends Module {
  readonly patch_embeddings: Conv2d;
  readonly layernorm: LayerNorm;

  constructor(config: ConvNextConfig) {
    super();
    this.patch_embeddings = new Conv2d(config.numChannels, config.hiddenSizes[0], config.patchSize);
    this.layernorm = new LayerNorm(config.hiddenSizes[0], 1e-6, "channels_first");
  }

  /** forward(pixel_values): the steps it adds to a plan; returns the embeddings output. */
  describe(plan: PlanBuilder, pixelValues: number): number {
    return plan.layerNorm(plan.conv2d(pixelValues, this.patch_embeddings), this.layernorm);
  }
}
