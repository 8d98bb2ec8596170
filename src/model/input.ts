// Validation of pixel_values at the model boundary: the checks HF (or PyTorch's conv) makes, with a
// message that says what is wrong instead of a failure deep inside a kernel.

import { formatShape, type Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";

export function checkPixelValues(config: ConvNextConfig, pixelValues: Tensor): void {
  const shape = pixelValues.shape;
  if (shape.length !== 4)
    throw new Error(`pixel_values must be 4-D [batch, channels, height, width], got ${formatShape(shape)}`);
  const [N, C, H, W] = shape;
  if (N < 1) throw new Error(`pixel_values has an empty batch: ${formatShape(shape)}`);
  if (C !== config.numChannels) {
    throw new Error(
      `pixel_values has ${C} channels but the model expects num_channels = ${config.numChannels} ` +
        `(shape ${formatShape(shape)})`,
    );
  }
  const p = config.patchSize;
  const overlapStem = config.timm !== null && config.timm.stemType !== "patch"; // any size: padded 3x3 convs
  if (!overlapStem && (H < p || W < p)) throw new Error(`input ${H}x${W} is smaller than one ${p}x${p} patch`);
  // Stage sizes are checked as the plan is built (plan.ts), from the same geometry the executors use.
}
