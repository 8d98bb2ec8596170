// ConvNextModel: embeddings -> encoder -> global average pool -> LayerNorm (eps = config.layer_norm_eps).
// The same class serves ConvNeXT V1 and V2; the config's model_type picks the block.

import { fastFeatures } from "../backend/features.js";
import { globalAveragePool } from "../ops/pooling.js";
import { Tensor } from "../tensor/tensor.js";
import type { ModelFiles } from "../io/model-files.js";
import type { ConvNextConfig } from "./config.js";
import type { LoadWeightsOptions } from "./load-weights.js";
import { loadPretrained } from "./pretrained.js";
import { forwardContext } from "./context.js";
import { ConvNextEmbeddings } from "./embeddings.js";
import { ConvNextEncoder } from "./encoder.js";
import { checkPixelValues } from "./input.js";
import { LayerNorm } from "./layers.js";
import { Module } from "./module.js";

export interface ForwardOptions {
  /** Return every hidden state (default: config.output_hidden_states). */
  outputHiddenStates?: boolean;
  /** Training mode: stochastic drop path (default false: inference). */
  training?: boolean;
  /** Seed for drop path in training mode. */
  seed?: number;
}

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

export class ConvNextModel extends Module {
  readonly embeddings: ConvNextEmbeddings;
  readonly encoder: ConvNextEncoder;
  readonly layernorm: LayerNorm;

  /** Loads config.json and the weights of a model directory (or, in Node, a hub id). */
  static async fromPretrained(ref: string | ModelFiles, options: LoadWeightsOptions = {}): Promise<ConvNextModel> {
    return (await loadPretrained(ref, { ...options, task: "base" })) as ConvNextModel;
  }

  constructor(readonly config: ConvNextConfig) {
    super();
    this.embeddings = new ConvNextEmbeddings(config);
    this.encoder = new ConvNextEncoder(config);
    const last = config.hiddenSizes[config.numStages - 1];
    this.layernorm = new LayerNorm(last, config.layerNormEps, "channels_last");
  }

  forward(pixelValues: Tensor, options: ForwardOptions = {}): ConvNextModelOutput {
    checkPixelValues(this.config, pixelValues);
    const ctx = forwardContext(options);
    const wantHidden = options.outputHiddenStates ?? this.config.outputHiddenStates;
    let hiddenStates: Tensor[] | undefined;
    let lastHiddenState: Tensor;
    const fast = fastFeatures(this.embeddings, this.encoder, this.config, pixelValues, ctx, wantHidden);
    if (fast) {
      lastHiddenState = fast[fast.length - 1];
      if (wantHidden) hiddenStates = fast;
    } else {
      const embedded = this.embeddings.forward(pixelValues);
      hiddenStates = wantHidden ? [embedded] : undefined;
      lastHiddenState = this.encoder.forward(embedded, ctx, hiddenStates);
    }
    const [N, C, H, W] = lastHiddenState.shape;
    const pooled = Tensor.zeros([N, C]);
    globalAveragePool(pooled.data, lastHiddenState.data, N, C, H * W);
    const poolerOutput = this.layernorm.forward(pooled);
    return { lastHiddenState, poolerOutput, ...(hiddenStates ? { hiddenStates } : {}) };
  }
}
