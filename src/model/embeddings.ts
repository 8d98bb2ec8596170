// ConvNextEmbeddings, the "patchify" stem: a patch_size x patch_size conv with stride patch_size,
// then a channels-first LayerNorm (eps 1e-6, hard-coded in HF).

import { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";
import { LayerNorm, PatchifyConv2d } from "./layers.js";
import { Module } from "./module.js";

export class ConvNextEmbeddings extends Module {
  readonly patch_embeddings: PatchifyConv2d;
  readonly layernorm: LayerNorm;

  constructor(config: ConvNextConfig) {
    super();
    this.patch_embeddings = new PatchifyConv2d(config.numChannels, config.hiddenSizes[0], config.patchSize);
    this.layernorm = new LayerNorm(config.hiddenSizes[0], 1e-6, "channels_first");
  }

  forward(pixelValues: Tensor): Tensor {
    return this.layernorm.forward(this.patch_embeddings.forward(pixelValues));
  }
}
