// ConvNextModel: embeddings -> encoder -> global average pool -> LayerNorm (eps = config.layer_norm_eps).
// The same class serves ConvNeXT V1 and V2; the config's model_type picks the block (docs/REFERENCE.md §1, §4).
// A timm model with head_norm_first applies that norm to the feature map before pooling instead (timm's norm_pre).

import type { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";
import { ConvNextEmbeddings } from "./embeddings.js";
import { ConvNextEncoder } from "./encoder.js";
import { LayerNorm, makeNorm, type Norm } from "./nn.js";
import type { PlanBuilder } from "./plan.js";
import { ConvNextPreTrainedModel, hiddenStatesOf, type ForwardOptions } from "./pretrained-model.js";

export interface ConvNextModelOutput {
  /** [N, hidden_sizes[-1], H', W'], un-normalised. */
  lastHiddenState: Tensor;
  /** [N, hidden_sizes[-1]]: LayerNorm of the spatial mean. */
  poolerOutput: Tensor;
  /** [embeddings output, stage 1 output, ...] when requested. */
  hiddenStates?: Tensor[];
}

/** The checkpoint prefix of the base model inside task models: `convnext.` or `convnextv2.`. */
export function basePrefix(config: ConvNextConfig): string {
  return config.modelType;
}

export class ConvNextModel extends ConvNextPreTrainedModel {
  readonly embeddings: ConvNextEmbeddings;
  readonly encoder: ConvNextEncoder;
  readonly layernorm: Norm;

  constructor(config: ConvNextConfig) {
    super(config);
    this.embeddings = new ConvNextEmbeddings(config);
    this.encoder = new ConvNextEncoder(config);
    const last = config.hiddenSizes[config.numStages - 1];
    const { timm } = config;
    this.layernorm = timm
      ? makeNorm(timm.normLayer, last, config.layerNormEps, timm.headNormFirst ? "channels_first" : "channels_last")
      : new LayerNorm(last, config.layerNormEps, "channels_last");
  }

  /**
   * The base model's steps (also used inside ConvNextForImageClassification): its values, nothing declared.
   * `features` is timm's forward_features (the last stage output, normed when head_norm_first).
   */
  features(plan: PlanBuilder, pixelValues: number) {
    const embedded = this.embeddings.describe(plan, pixelValues);
    const stages = this.encoder.describe(plan, embedded);
    const lastHiddenState = stages[stages.length - 1];
    if (this.config.timm?.headNormFirst) {
      const features = plan.norm(lastHiddenState, this.layernorm);
      const poolerOutput = plan.pool(features, "pooler");
      return { hiddenStates: [embedded, ...stages], lastHiddenState, poolerOutput, features };
    }
    const poolerOutput = plan.norm(plan.pool(lastHiddenState, "pooler"), this.layernorm);
    return { hiddenStates: [embedded, ...stages], lastHiddenState, poolerOutput, features: lastHiddenState };
  }

  protected describe(plan: PlanBuilder, pixelValues: number, outputHiddenStates: boolean): void {
    const out = this.features(plan, pixelValues);
    plan.output("last_hidden_state", out.lastHiddenState);
    plan.output("pooler_output", out.poolerOutput);
    if (this.config.timm) {
      plan.output("features", out.features);
      plan.output("pre_logits", out.poolerOutput);
    }
    if (outputHiddenStates) out.hiddenStates.forEach((h, i) => plan.output(`hidden_states.${i}`, h));
  }

  forward(pixelValues: Tensor, options: ForwardOptions = {}): ConvNextModelOutput {
    const out = this.forwardNamed(pixelValues, options);
    const hiddenStates = hiddenStatesOf(out);
    return {
      lastHiddenState: out.get("last_hidden_state")!,
      poolerOutput: out.get("pooler_output")!,
      ...(hiddenStates ? { hiddenStates } : {}),
    };
  }
}
