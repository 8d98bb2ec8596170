// ConvNextForImageClassification: the base model (under the `convnext.` / `convnextv2.` key prefix)
// and a linear classifier on the pooled features; nn.Identity when num_labels == 0.

import { fastLinear } from "../backend/features.js";
import { Tensor } from "../tensor/tensor.js";
import type { ModelFiles } from "../io/model-files.js";
import type { ConvNextConfig } from "./config.js";
import type { LoadWeightsOptions } from "./load-weights.js";
import { loadPretrained } from "./pretrained.js";
import { basePrefix, ConvNextModel, type ForwardOptions } from "./convnext-model.js";
import { Linear } from "./layers.js";
import { classificationLoss, inferProblemType, type Labels } from "./loss.js";
import { Module, type Parameter } from "./module.js";

export interface ImageClassifierOutput {
  /** [N, num_labels] */
  logits: Tensor;
  /** 0-d mean loss, when labels were given. */
  loss?: Tensor;
  hiddenStates?: Tensor[];
  /** The base model's outputs the logits were computed from (HF keeps these internal). */
  poolerOutput: Tensor;
  lastHiddenState: Tensor;
}

export class ConvNextForImageClassification extends Module {
  readonly model: ConvNextModel;
  readonly classifier: Linear | null;

  /** Loads config.json and the weights of a model directory (or, in Node, a hub id). */
  static async fromPretrained(
    ref: string | ModelFiles,
    options: LoadWeightsOptions = {},
  ): Promise<ConvNextForImageClassification> {
    return (await loadPretrained(ref, { ...options, task: "classification" })) as ConvNextForImageClassification;
  }

  constructor(readonly config: ConvNextConfig) {
    super();
    this.model = new ConvNextModel(config);
    const last = config.hiddenSizes[config.numStages - 1];
    this.classifier = config.numLabels > 0 ? new Linear(last, config.numLabels) : null;
  }

  /** The base model is named by its checkpoint prefix, `convnext` or `convnextv2`. */
  override children(): Array<[string, Module | Parameter]> {
    const out: Array<[string, Module | Parameter]> = [[basePrefix(this.config), this.model]];
    if (this.classifier) out.push(["classifier", this.classifier]);
    return out;
  }

  forward(pixelValues: Tensor, options: ForwardOptions & { labels?: Labels } = {}): ImageClassifierOutput {
    const { poolerOutput, lastHiddenState, hiddenStates } = this.model.forward(pixelValues, options);
    const head = this.classifier;
    const logits = head ? (fastLinear(head, poolerOutput) ?? head.forward(poolerOutput)) : poolerOutput;
    const out: ImageClassifierOutput = {
      logits,
      poolerOutput,
      lastHiddenState,
      ...(hiddenStates ? { hiddenStates } : {}),
    };
    if (options.labels !== undefined) {
      // HF writes the inferred problem type into the config on first use.
      this.config.problemType = inferProblemType(this.config, options.labels);
      const loss = classificationLoss(logits, options.labels, this.config.problemType, this.config.numLabels);
      out.loss = new Tensor(Float32Array.of(loss), []);
    }
    return out;
  }
}
