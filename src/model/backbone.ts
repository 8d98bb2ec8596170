// ConvNextBackbone: the embeddings and encoder, returning one channels-first-LayerNormed feature map per
// entry of out_features (stage order). No pooler, no classifier; keys carry no `convnext.` prefix.
// The stage-name and out_features rules: docs/REFERENCE.md §1 (ConvNextBackbone).
// A timm model's backbone is timm's features_only model (FeatureListNet): the raw stage outputs, no norms.

import type { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";
import { ConvNextEmbeddings } from "./embeddings.js";
import { ConvNextEncoder } from "./encoder.js";
import { ModuleDict } from "./module.js";
import { LayerNorm } from "./nn.js";
import type { PlanBuilder } from "./plan.js";
import { ConvNextPreTrainedModel, hiddenStatesOf, type ForwardOptions } from "./pretrained-model.js";

export interface BackboneOutput {
  featureMaps: Tensor[];
  hiddenStates?: Tensor[];
}

export class ConvNextBackbone extends ConvNextPreTrainedModel {
  readonly embeddings: ConvNextEmbeddings;
  readonly encoder: ConvNextEncoder;
  readonly hidden_states_norms: ModuleDict<LayerNorm>;

  constructor(config: ConvNextConfig) {
    super(config);
    this.embeddings = new ConvNextEmbeddings(config);
    this.encoder = new ConvNextEncoder(config);
    // num_features = [hidden_sizes[0]] + hidden_sizes: the stem has hidden_sizes[0] channels.
    const numFeatures = [config.hiddenSizes[0], ...config.hiddenSizes];
    const norms = new Map<string, LayerNorm>();
    for (const stage of config.timm ? [] : config.outFeatures) {
      const idx = config.stageNames.indexOf(stage);
      norms.set(stage, new LayerNorm(numFeatures[idx], 1e-6, "channels_first"));
    }
    this.hidden_states_norms = new ModuleDict(norms);
  }

  protected describe(plan: PlanBuilder, pixelValues: number, outputHiddenStates: boolean): void {
    const embedded = this.embeddings.describe(plan, pixelValues);
    const hiddenStates = [embedded, ...this.encoder.describe(plan, embedded)];
    let i = 0;
    this.config.stageNames.forEach((stage, idx) => {
      const norm = this.hidden_states_norms.entries.get(stage);
      if (norm && idx < hiddenStates.length)
        plan.output(`feature_maps.${i++}`, plan.layerNorm(hiddenStates[idx], norm));
      else if (this.config.timm && this.config.outFeatures.includes(stage)) plan.output(`feature_maps.${i++}`, hiddenStates[idx]); // prettier-ignore
    });
    if (outputHiddenStates) hiddenStates.forEach((h, j) => plan.output(`hidden_states.${j}`, h));
  }

  forward(pixelValues: Tensor, options: ForwardOptions = {}): BackboneOutput {
    const out = this.forwardNamed(pixelValues, options);
    const featureMaps: Tensor[] = [];
    for (let i = 0; out.has(`feature_maps.${i}`); i++) featureMaps.push(out.get(`feature_maps.${i}`)!);
    const hiddenStates = hiddenStatesOf(out);
    return { featureMaps, ...(hiddenStates ? { hiddenStates } : {}) };
  }
}
