// ConvNextBackbone: the embeddings and encoder, returning one channels-first-LayerNormed feature map per
// entry of out_features (stage order). No pooler, no classifier; keys carry no `convnext.` prefix.

import { fastFeatures } from "../backend/features.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ModelFiles } from "../io/model-files.js";
import type { ConvNextConfig } from "./config.js";
import type { LoadWeightsOptions } from "./load-weights.js";
import { loadPretrained } from "./pretrained.js";
import { forwardContext } from "./context.js";
import type { ForwardOptions } from "./convnext-model.js";
import { ConvNextEmbeddings } from "./embeddings.js";
import { ConvNextEncoder } from "./encoder.js";
import { checkPixelValues } from "./input.js";
import { LayerNorm } from "./layers.js";
import { Module, ModuleDict } from "./module.js";

export interface BackboneOutput {
  featureMaps: Tensor[];
  hiddenStates?: Tensor[];
}

export class ConvNextBackbone extends Module {
  readonly embeddings: ConvNextEmbeddings;
  readonly encoder: ConvNextEncoder;
  readonly hidden_states_norms: ModuleDict<LayerNorm>;

  /** Loads config.json and the weights of a model directory (or, in Node, a hub id). */
  static async fromPretrained(ref: string | ModelFiles, options: LoadWeightsOptions = {}): Promise<ConvNextBackbone> {
    return (await loadPretrained(ref, { ...options, task: "backbone" })) as ConvNextBackbone;
  }

  constructor(readonly config: ConvNextConfig) {
    super();
    this.embeddings = new ConvNextEmbeddings(config);
    this.encoder = new ConvNextEncoder(config);
    // num_features = [hidden_sizes[0]] + hidden_sizes: the stem has hidden_sizes[0] channels.
    const numFeatures = [config.hiddenSizes[0], ...config.hiddenSizes];
    const norms = new Map<string, LayerNorm>();
    for (const stage of config.outFeatures) {
      const idx = config.stageNames.indexOf(stage);
      norms.set(stage, new LayerNorm(numFeatures[idx], 1e-6, "channels_first"));
    }
    this.hidden_states_norms = new ModuleDict(norms);
  }

  forward(pixelValues: Tensor, options: ForwardOptions = {}): BackboneOutput {
    checkPixelValues(this.config, pixelValues);
    const ctx = forwardContext(options);
    let hiddenStates = fastFeatures(this.embeddings, this.encoder, this.config, pixelValues, ctx, true);
    if (!hiddenStates) {
      const embedded = this.embeddings.forward(pixelValues);
      hiddenStates = [embedded];
      this.encoder.forward(embedded, ctx, hiddenStates);
    }
    const featureMaps: Tensor[] = [];
    this.config.stageNames.forEach((stage, idx) => {
      const norm = this.hidden_states_norms.entries.get(stage);
      if (norm && idx < hiddenStates.length) featureMaps.push(norm.forward(hiddenStates[idx]));
    });
    const wantHidden = options.outputHiddenStates ?? this.config.outputHiddenStates;
    return { featureMaps, ...(wantHidden ? { hiddenStates } : {}) };
  }
}
