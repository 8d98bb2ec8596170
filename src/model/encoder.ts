// ConvNextEncoder: the stages in sequence; every stage output is a hidden state.

import { dropPathRates, type ConvNextConfig } from "./config.js";
import { Module, ModuleList } from "./module.js";
import type { PlanBuilder } from "./plan.js";
import { ConvNextStage } from "./stage.js";

export class ConvNextEncoder extends Module {
  readonly stages: ModuleList<ConvNextStage>;

  constructor(config: ConvNextConfig) {
    super();
    const rates = dropPathRates(config);
    const stages: ConvNextStage[] = [];
    let prev = config.hiddenSizes[0];
    for (let i = 0; i < config.numStages; i++) {
      const out = config.hiddenSizes[i];
      // timm's stride rule (2 for every stage but the first, and for the first after a stride-2 patch stem)
      const stride = config.timm?.stageStrides[i] ?? (i > 0 ? 2 : 1);
      const kernelSize = config.timm?.kernelSizes[i] ?? 7;
      stages.push(new ConvNextStage(config, prev, out, stride, config.depths[i], rates[i], kernelSize));
      prev = out;
    }
    this.stages = new ModuleList(stages);
  }

  /** Returns the output of every stage (hidden_states[1:]); the last one is last_hidden_state. */
  describe(plan: PlanBuilder, x: number): number[] {
    const outputs: number[] = [];
    let h = x;
    for (const stage of this.stages.items) outputs.push((h = stage.describe(plan, h)));
    return outputs;
  }
}
