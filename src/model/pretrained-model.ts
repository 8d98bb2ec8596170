// ConvNextPreTrainedModel: what the three ConvNeXT models share. A model describes its forward pass as plan
// steps (once per input shape) and names its outputs; forward() runs that plan on an executor: the reference
// one by default, the fast ones when a model comes from fromPretrained (src/pretrained) or sets `executor`.

import { torchRandom } from "../ops/torch-random.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";
import { runProgram, type Executor, type Program } from "./executor.js";
import { checkPixelValues } from "./input.js";
import { Module } from "./module.js";
import { PlanBuilder, type Plan } from "./plan.js";
import { referenceExecutor } from "./reference-executor.js";

export interface ForwardOptions {
  /** Return every hidden state (default: config.output_hidden_states). */
  outputHiddenStates?: boolean;
  /** Training mode: stochastic drop path (default false: inference, where drop path is the identity). */
  training?: boolean;
  /** Seed for drop path in training mode: torch.manual_seed(seed) (PyTorch's CPU stream, ops/torch-random.ts). */
  seed?: number;
  /** Run on this executor instead of the model's. */
  executor?: Executor;
}

/** An executor, or a function returning the one to use now (e.g. the backend configured at the time). */
export type ExecutorChoice = Executor | (() => Executor);

export abstract class ConvNextPreTrainedModel extends Module {
  /** Where forward() runs; an executor that cannot run a plan (see Executor.unsupported) defers to the reference. */
  executor: ExecutorChoice = referenceExecutor;
  private readonly plans = new Map<string, Plan>();
  private readonly programs = new Map<Executor, { plan: Plan; program: Program }>();

  constructor(readonly config: ConvNextConfig) {
    super();
  }

  /** Adds the model's steps for `pixelValues` to the plan and declares its outputs. */
  protected abstract describe(plan: PlanBuilder, pixelValues: number, outputHiddenStates: boolean): void;

  /** The plan of a forward pass on an input of `shape`, built once per shape and options. */
  plan(shape: readonly number[], options: Pick<ForwardOptions, "outputHiddenStates" | "training"> = {}): Plan {
    const hidden = options.outputHiddenStates ?? this.config.outputHiddenStates;
    const training = options.training ?? false;
    const key = `${shape.join("x")}/${hidden}/${training}`;
    let plan = this.plans.get(key);
    if (!plan) {
      const builder = new PlanBuilder(this, training);
      this.describe(builder, builder.input(shape), hidden);
      plan = builder.build();
      if (this.plans.size >= 8) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
  }

  /** The executor a pass on `plan` runs on. */
  executorFor(plan: Plan, choice: ExecutorChoice = this.executor): Executor {
    const executor = typeof choice === "function" ? choice() : choice;
    return executor.unsupported(plan) === null ? executor : referenceExecutor;
  }

  /** Every output of a forward pass under transformers' names: logits, last_hidden_state, hidden_states.0, ... */
  forwardNamed(pixelValues: Tensor, options: ForwardOptions = {}): Map<string, Tensor> {
    checkPixelValues(this.config, pixelValues);
    const plan = this.plan(pixelValues.shape, options);
    const executor = this.executorFor(plan, options.executor);
    return runProgram(this.program(executor, plan), pixelValues, { random: torchRandom(options.seed ?? 0) });
  }

  /** The compiled program of `plan` on `executor`: one per executor, replaced when the input shape changes. */
  program(executor: Executor, plan: Plan): Program {
    const cached = this.programs.get(executor);
    if (cached?.plan === plan) return cached.program;
    cached?.program.dispose();
    const program = executor.compile(plan, new Map(this.namedParameters()));
    this.programs.set(executor, { plan, program });
    return program;
  }
}

/** hidden_states.0, .1, ... of a named output map, in order (undefined when there are none). */
export function hiddenStatesOf(outputs: ReadonlyMap<string, Tensor>): Tensor[] | undefined {
  const states: Tensor[] = [];
  for (let i = 0; outputs.has(`hidden_states.${i}`); i++) states.push(outputs.get(`hidden_states.${i}`)!);
  return states.length ? states : undefined;
}
