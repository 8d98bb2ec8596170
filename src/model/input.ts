// Validation of pixel_values at the model boundary: the checks HF (or PyTorch's conv) makes, with a
// message that says what is wrong instead of a failure deep inside a kernel.

import { formatShape, type Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "./config.js";

/** Spatial size of each hidden state: [stem, stage1, ...] for an H x W input. */
export function hiddenStateSizes(config: ConvNextConfig, H: number, W: number): Array<[number, number]> {
  const sizes: Array<[number, number]> = [[Math.floor(H / config.patchSize), Math.floor(W / config.patchSize)]];
  for (let i = 0; i < config.numStages; i++) {
    const [h, w] = sizes[sizes.length - 1];
    sizes.push(i === 0 ? [h, w] : [Math.floor(h / 2), Math.floor(w / 2)]);
  }
  return sizes;
}

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
  if (H < p || W < p) throw new Error(`input ${H}x${W} is smaller than one ${p}x${p} patch`);
  const sizes = hiddenStateSizes(config, H, W);
  for (let i = 1; i < config.numStages; i++) {
    const [h, w] = sizes[i];
    if (h < 2 || w < 2) {
      throw new Error(
        `input ${H}x${W} is too small: stage ${i + 1} downsamples a ${h}x${w} map with a 2x2 stride-2 conv ` +
          `(the input must be at least ${p * 2 ** (config.numStages - 1)} pixels on each side)`,
      );
    }
  }
}
