// One optimisation step, as the PyTorch loop `loss = model(x, labels=y).loss; loss.backward(); opt.step()`:
// the loss of the current parameters is returned, then every parameter the optimizer holds is updated.

import type { Labels } from "../model/loss.js";
import type { ConvNextPreTrainedModel } from "../model/pretrained-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { requireFloat32Parameters } from "./float32.js";
import { kernelGradients } from "./gradients.js";
import { referenceKernels, type TrainingKernels } from "./kernels.js";
import type { Optimizer } from "./optimizers.js";

export interface TrainStepOptions {
  kernels?: TrainingKernels;
  /** Drop path's draws: torch.manual_seed(seed) before the forward. */
  seed?: number;
}

export function trainStep(
  model: ConvNextPreTrainedModel,
  pixelValues: Tensor,
  labels: Labels,
  optimizer: Optimizer,
  options: TrainStepOptions = {},
): number {
  requireFloat32Parameters(model.namedParameters(), "trainStep");
  const trained = new Set(optimizer.groups.flatMap((g) => g.params.map(([name]) => name)));
  const kernels = options.kernels ?? referenceKernels;
  // the parameters where the kernels read and update them in place (a fast backend's heap), moved there once
  for (const [, p] of model.namedParameters()) {
    if (kernels.inPlace(p.data)) continue;
    const home = kernels.alloc(p.size);
    if (!kernels.inPlace(home)) break; // no heap to move to (memory not shared, or full)
    home.set(p.data);
    p.data = home;
  }
  const g = kernelGradients(model, pixelValues, {
    labels,
    training: true,
    seed: options.seed,
    inputGradient: false,
    kernels,
    trainable: (name) => trained.has(name),
  });
  const grads = new Map([...g.grads].map(([name, t]) => [name, t.data]));
  optimizer.step(grads, kernels);
  kernels.free(...grads.values());
  return g.loss!;
}
