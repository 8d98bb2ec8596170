// The classification losses of ConvNextForImageClassification, chosen by problem_type as HF does:
// regression -> MSE, single-label -> cross-entropy (ignore_index -100), multi-label -> BCE with logits
// (docs/REFERENCE.md §1, ConvNextForImageClassification).

import { logSoftmaxRow } from "../ops/softmax.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig, ProblemType } from "./config.js";

/** Labels: integer class ids (Int32Array / BigInt64Array) or float targets (a Tensor). */
export type Labels = Tensor | Int32Array | BigInt64Array;

function isIntegerLabels(labels: Labels): labels is Int32Array | BigInt64Array {
  return labels instanceof Int32Array || labels instanceof BigInt64Array;
}

function labelValues(labels: Labels): ArrayLike<number> {
  if (labels instanceof BigInt64Array) return Array.from(labels, Number);
  return isIntegerLabels(labels) ? labels : labels.data;
}

/** HF infers problem_type on the first call with labels (and stores it in the config). */
export function inferProblemType(config: ConvNextConfig, labels: Labels): ProblemType {
  if (config.problemType) return config.problemType;
  if (config.numLabels === 1) return "regression";
  return isIntegerLabels(labels) ? "single_label_classification" : "multi_label_classification";
}

export function classificationLoss(
  logits: Tensor,
  labels: Labels,
  problemType: ProblemType,
  numLabels: number,
): number {
  const x = logits.data;
  const y = labelValues(labels);
  if (problemType === "regression" || problemType === "multi_label_classification") {
    if (y.length !== x.length) {
      throw new Error(`labels have ${y.length} values but logits ${x.length} (${problemType} needs one per logit)`);
    }
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      if (problemType === "regression") {
        sum += (x[i] - y[i]) ** 2;
      } else {
        // BCEWithLogits, stable form: max(x, 0) - x y + log(1 + exp(-|x|))
        sum += Math.max(x[i], 0) - x[i] * y[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
      }
    }
    return sum / x.length;
  }
  const rows = x.length / numLabels;
  if (y.length !== rows) throw new Error(`labels have ${y.length} values but the batch has ${rows} rows of logits`);
  let sum = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const label = y[r];
    if (label === -100) continue; // CrossEntropyLoss ignore_index
    if (!Number.isInteger(label) || label < 0 || label >= numLabels) {
      throw new Error(`label ${label} at row ${r} is outside [0, ${numLabels})`);
    }
    sum -= logSoftmaxRow(x, r * numLabels, numLabels)[label];
    count++;
  }
  return count === 0 ? NaN : sum / count;
}

/**
 * d loss / d logits for classificationLoss (mean reduction): cross-entropy (softmax - onehot) / rows counted,
 * BCE with logits (sigmoid(x) - y) / n, MSE 2 (x - y) / n. Rows whose label is -100 get zero.
 */
export function classificationLossGradient(
  logits: Tensor,
  labels: Labels,
  problemType: ProblemType,
  numLabels: number,
): Float32Array {
  classificationLoss(logits, labels, problemType, numLabels); // the same checks and messages
  const x = logits.data;
  const y = labelValues(labels);
  const grad = new Float32Array(x.length);
  if (problemType === "regression" || problemType === "multi_label_classification") {
    for (let i = 0; i < x.length; i++) {
      const d = problemType === "regression" ? 2 * (x[i] - y[i]) : 1 / (1 + Math.exp(-x[i])) - y[i];
      grad[i] = d / x.length;
    }
    return grad;
  }
  const rows = x.length / numLabels;
  let count = 0;
  for (let r = 0; r < rows; r++) if (y[r] !== -100) count++;
  for (let r = 0; r < rows; r++) {
    if (y[r] === -100) continue;
    const logp = logSoftmaxRow(x, r * numLabels, numLabels);
    for (let c = 0; c < numLabels; c++) grad[r * numLabels + c] = (Math.exp(logp[c]) - (c === y[r] ? 1 : 0)) / count;
  }
  return grad;
}
