// How a plan runs. An Executor compiles a plan against a model's weights into a Program: a flat list of
// kernel calls, each labelled with its step and the op it computes, over buffers sized once for the plan's
// shapes. runProgram is a forward pass; a profiler (bench/) times the same calls one by one, from outside.
// The executors: reference (reference-executor.ts, the definition) and the fast ones of src/backend.

import type { Tensor } from "../tensor/tensor.js";
import type { Parameter } from "./module.js";
import type { Plan } from "./plan.js";

/** A model's parameters by checkpoint key (its state_dict). */
export type Weights = ReadonlyMap<string, Parameter>;

export interface RunOptions {
  /** U[0, 1) draws for drop path in training mode. */
  random: () => number;
}

export interface ProgramCall {
  /** Index of the plan step this call belongs to. */
  readonly step: number;
  /** What it computes, for profiles (e.g. "dwconv", "pwconv1+gelu", "layernorm"). */
  readonly op: string;
  run(options: RunOptions): void;
}

export interface Program {
  readonly calls: readonly ProgramCall[];
  /** Copies pixel_values in (its shape must be the plan's). */
  setInput(pixelValues: Tensor): void;
  /** Copies the plan's outputs out, under their transformers names. */
  outputs(): Map<string, Tensor>;
  /** Frees the program's buffers now (otherwise when it is garbage-collected). */
  dispose(): void;
}

export interface Executor {
  /** "reference", "js", "wasm" or "wasm-relaxed". */
  readonly name: string;
  /** Why this executor cannot run `plan` (an activation it does not fuse, drop path in training...), or null. */
  unsupported(plan: Plan): string | null;
  compile(plan: Plan, weights: Weights): Program;
}

/** One forward pass. */
export function runProgram(program: Program, pixelValues: Tensor, options: RunOptions): Map<string, Tensor> {
  program.setInput(pixelValues);
  for (const call of program.calls) call.run(options);
  return program.outputs();
}
