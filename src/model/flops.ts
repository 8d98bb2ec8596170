// The cost of a plan: multiply-adds of its convolutions and linear layers, per part (2 FLOPs each, the
// convention of the ConvNeXT paper's "GFLOPs" x 2). Norms, activations, GRN, biases and pooling are not counted.

import type { Plan, PlanStep } from "./plan.js";

/** The part of the network a step belongs to: how profiles and costs are grouped. */
export function stepGroup(step: PlanStep): "stem" | "downsampling" | "stages" | "backbone norms" | "head" {
  if (step.module.includes("embeddings")) return "stem";
  if (step.module.includes("downsampling_layer")) return "downsampling";
  if (step.kind === "block") return "stages";
  if (step.module.includes("hidden_states_norms")) return "backbone norms";
  return "head"; // the pooler, its LayerNorm and the classifier
}

/** Multiply-adds of the plan (whole batch) by part: stem, downsampling, dwconv, pwconv1, pwconv2, head. */
export function planMacs(plan: Plan): Map<string, number> {
  const macs = new Map<string, number>();
  const add = (part: string, n: number) => macs.set(part, (macs.get(part) ?? 0) + n);
  for (const step of plan.steps) {
    const inShape = plan.values[step.input].shape;
    const outShape = plan.values[step.output].shape;
    if (step.kind === "conv2d") {
      const [N, Cout, OH, OW] = outShape;
      add(stepGroup(step), N * Cout * OH * OW * inShape[1] * step.kernel * step.kernel);
    } else if (step.kind === "block") {
      const [N, C, H, W] = inShape;
      const pixels = N * H * W;
      add("dwconv", pixels * C * step.dwconv.kernel * step.dwconv.kernel);
      add("pwconv1", pixels * C * 4 * C);
      add("pwconv2", pixels * 4 * C * C);
    } else if (step.kind === "linear") {
      add(stepGroup(step), inShape[0] * inShape[1] * outShape[1]);
    }
  }
  return macs;
}

export function totalMacs(plan: Plan): number {
  let total = 0;
  for (const n of planMacs(plan).values()) total += n;
  return total;
}
