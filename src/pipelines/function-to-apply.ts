// The image-classification pipeline's `function_to_apply` (transformers v4.37.2,
// pipelines/image_classification.py): which function turns logits into scores, and applying it as numpy does
// there, in float32.

import type { ConvNextConfig } from "../model/config.js";
import { softmax } from "../ops/softmax.js";

export type FunctionToApply = "sigmoid" | "softmax" | "none";

const FUNCTIONS: readonly FunctionToApply[] = ["sigmoid", "softmax", "none"];

/** A user's value, case-insensitive like ClassificationFunction(value.lower()); anything else is refused. */
export function parseFunctionToApply(value: string): FunctionToApply {
  const v = value.toLowerCase();
  if (!(FUNCTIONS as readonly string[]).includes(v)) {
    throw new Error(`function_to_apply must be sigmoid, softmax or none, got "${value}"`);
  }
  return v as FunctionToApply;
}

/**
 * postprocess's default, in its order: sigmoid for multi-label problems or a single label; softmax for
 * single-label problems or several labels; else the config's own `function_to_apply`; else none.
 */
export function defaultFunctionToApply(config: ConvNextConfig): FunctionToApply {
  if (config.problemType === "multi_label_classification" || config.numLabels === 1) return "sigmoid";
  if (config.problemType === "single_label_classification" || config.numLabels > 1) return "softmax";
  const own = config.raw.function_to_apply;
  if (typeof own === "string") return parseFunctionToApply(own);
  return "none";
}

/** scores [rows, C] from logits [rows, C], in float32 like the pipeline's numpy code. */
export function applyFunction(fn: FunctionToApply, logits: Float32Array, rows: number, C: number): Float32Array {
  const scores = new Float32Array(rows * C);
  if (fn === "softmax") softmax(scores, logits, rows, C);
  else if (fn === "sigmoid") for (let i = 0; i < scores.length; i++) scores[i] = 1 / (1 + Math.exp(-logits[i]));
  else scores.set(logits);
  return scores;
}
