// Multiply-adds of a forward pass, read off its plan: the convolutions (stem, downsampling, depthwise) and the
// linear layers (pointwise convs, head); norms, activations, GRN, biases and pooling are not counted.

import type { Plan } from "./plan.js";

export function planMacs(plan: Plan): number {
  let macs = 0;
  for (const step of plan.steps) {
    const input = plan.values[step.input].shape;
    const output = plan.values[step.output].shape;
    if (step.kind === "conv2d") {
      const [N, Cin] = input;
      const [, Cout, OH, OW] = output;
      macs += N * OH * OW * Cout * Cin * step.kernel * step.kernel;
    } else if (step.kind === "block") {
      const [N, C, H, W] = input;
      const hidden = 4 * C; // pwconv1 C -> 4C, pwconv2 4C -> C
      macs += N * H * W * (C * step.dwconv.kernel * step.dwconv.kernel + 2 * C * hidden);
    } else if (step.kind === "linear") {
      macs += input[0] * input[1] * output[1];
    }
  }
  return macs;
}
