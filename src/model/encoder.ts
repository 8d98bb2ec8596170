// ConvNextEncoder: the stages in sequence; collects every stage output when hidden states are wanted.

import { Tensor } from "../tensor/tensor.js";
import { dropPathRates, type ConvNextConfig } from "./config.js";
import type { ForwardContext } from "./context.js";
import { Module, ModuleList } from "./module.js";
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
      stages.push(new ConvNextStage(config, prev, out, i > 0 ? 2 : 1, config.depths[i], rates[i]));
      prev = out;
    }
    this.stages = new ModuleList(stages);
  }

  /** Returns the last stage output and, if `hiddenStates` is given, pushes each stage output onto it. */
  forward(x: Tensor, ctx: ForwardContext, hiddenStates?: Tensor[]): Tensor {
    let h = x;
    for (const stage of this.stages.items) {
      h = stage.forward(h, ctx);
      hiddenStates?.push(h);
    }
    return h;
  }
}
