// ConvNextForImageClassification: the base model (under the `convnext.` / `convnextv2.` key prefix)
// and a linear classifier on the pooled features; nn.Identity when num_labels == 0. timm models may have a
// hidden layer first (head_hidden_size: `pre_logits`, Linear + GELU), and also name their outputs like timm:
// `features` (forward_features) and `pre_logits` (forward_head(pre_logits=True)).

import { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";
import { basePrefix, ConvNextModel } from "./convnext-model.js";
import { classificationLoss, inferProblemType, type Labels } from "./loss.js";
import type { Module, Parameter } from "./module.js";
import { Linear } from "./nn.js";
import type { PlanBuilder } from "./plan.js";
import { ConvNextPreTrainedModel, hiddenStatesOf, type ForwardOptions } from "./pretrained-model.js";

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

export class ConvNextForImageClassification extends ConvNextPreTrainedModel {
  readonly model: ConvNextModel;
  /** timm's head.pre_logits.fc (head_hidden_size), followed by GELU; null in HF models. */
  readonly pre_logits: Linear | null;
  readonly classifier: Linear | null;

  constructor(config: ConvNextConfig) {
    super(config);
    this.model = new ConvNextModel(config);
    const last = config.hiddenSizes[config.numStages - 1];
    const hidden = config.timm?.headHiddenSize ?? null;
    this.pre_logits = hidden ? new Linear(last, hidden) : null;
    this.classifier = config.numLabels > 0 ? new Linear(hidden ?? last, config.numLabels) : null;
  }

  /** The base model is named by its checkpoint prefix, `convnext` or `convnextv2`. */
  override children(): Array<[string, Module | Parameter]> {
    const out: Array<[string, Module | Parameter]> = [[basePrefix(this.config), this.model]];
    if (this.pre_logits) out.push(["pre_logits", this.pre_logits]);
    if (this.classifier) out.push(["classifier", this.classifier]);
    return out;
  }

  protected describe(plan: PlanBuilder, pixelValues: number, outputHiddenStates: boolean): void {
    const out = this.model.features(plan, pixelValues);
    // NormMlpClassifierHead: its hidden layer's activation is GELU whatever the blocks use
    const preLogits = this.pre_logits ? plan.activation(plan.linear(out.poolerOutput, this.pre_logits), "gelu") : out.poolerOutput; // prettier-ignore
    const logits = this.classifier ? plan.linear(preLogits, this.classifier) : preLogits;
    plan.output("logits", logits);
    plan.output("pooler_output", out.poolerOutput);
    plan.output("last_hidden_state", out.lastHiddenState);
    if (this.config.timm) {
      plan.output("features", out.features);
      plan.output("pre_logits", preLogits);
    }
    if (outputHiddenStates) out.hiddenStates.forEach((h, i) => plan.output(`hidden_states.${i}`, h));
  }

  /** With `labels`, also `loss` (HF's problem_type rules, see loss.ts). */
  override forwardNamed(pixelValues: Tensor, options: ForwardOptions & { labels?: Labels } = {}): Map<string, Tensor> {
    const out = super.forwardNamed(pixelValues, options);
    if (options.labels !== undefined) {
      // HF writes the inferred problem type into the config on first use.
      this.config.problemType = inferProblemType(this.config, options.labels);
      const logits = out.get("logits")!;
      const loss = classificationLoss(logits, options.labels, this.config.problemType, this.config.numLabels);
      out.set("loss", new Tensor(Float32Array.of(loss), []));
    }
    return out;
  }

  forward(pixelValues: Tensor, options: ForwardOptions & { labels?: Labels } = {}): ImageClassifierOutput {
    const out = this.forwardNamed(pixelValues, options);
    const hiddenStates = hiddenStatesOf(out);
    return {
      logits: out.get("logits")!,
      ...(out.has("loss") ? { loss: out.get("loss")! } : {}),
      poolerOutput: out.get("pooler_output")!,
      lastHiddenState: out.get("last_hidden_state")!,
      ...(hiddenStates ? { hiddenStates } : {}),
    };
  }
}
