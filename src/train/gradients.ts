// Gradients of a model, as `loss.backward()` leaves them in PyTorch: a classifier's loss (HF's three losses,
// chosen by problem_type) or, for any model, an objective sum(output * upstream) over named outputs (the
// upstream tensors are then exactly the gradients arriving at those outputs). Parameters are named by the
// model's state_dict keys.

import { classificationLoss, classificationLossGradient, inferProblemType, type Labels } from "../model/loss.js";
import { checkPixelValues } from "../model/input.js";
import type { ConvNextPreTrainedModel } from "../model/pretrained-model.js";
import { torchRandom } from "../ops/torch-random.js";
import { formatShape, sameShape, Tensor } from "../tensor/tensor.js";
import { backward, freeTape, tapeOutputs, trainingForward } from "./backward.js";
import { requireFloat32Parameters } from "./float32.js";
import { referenceKernels, type TrainingKernels } from "./kernels.js";

export interface GradientOptions {
  /** Class ids (single-label) or float targets: the gradient of HF's loss (classifiers only). */
  labels?: Labels;
  /** d objective / d output by output name (e.g. last_hidden_state, feature_maps.0): objective = sum(out * u). */
  upstream?: ReadonlyMap<string, Tensor>;
  /** Training mode (drop path on, drawn from torch.manual_seed(seed)); default false. */
  training?: boolean;
  seed?: number;
  /** Also compute d objective / d pixel_values (default true; training does not need it). */
  inputGradient?: boolean;
  /** Kernels for the heavy ops (default: the reference kernels). */
  kernels?: TrainingKernels;
  /** Outputs whose gradient to return too (e.g. last_hidden_state, for Grad-CAM). */
  outputGradients?: readonly string[];
  /** Parameters whose gradient is needed (default all); backward stops before the first step with one. */
  trainable?: (name: string) => boolean;
}

export interface Gradients {
  /** The loss (with labels) or the upstream objective. */
  loss?: number;
  objective?: number;
  /** Every output of the forward pass, under transformers' names. */
  outputs: Map<string, Tensor>;
  /** d objective / d parameter by state_dict key, shaped like the parameter. */
  grads: Map<string, Tensor>;
  pixelValuesGrad?: Tensor;
  outputGrads: Map<string, Tensor | null>;
}

export function computeGradients(
  model: ConvNextPreTrainedModel,
  pixelValues: Tensor,
  options: GradientOptions,
): Gradients {
  const g = kernelGradients(model, pixelValues, options);
  // the caller's own arrays: parameter gradients copied out of the kernels' buffers, which are given back
  for (const [name, t] of g.grads) {
    g.grads.set(name, new Tensor(t.data.slice(), t.shape));
    options.kernels?.free(t.data);
  }
  return g;
}

/**
 * computeGradients with the parameter gradients left in the kernels' buffers (a fast backend's heap), for a
 * step that updates the parameters there; the caller gives them back with `kernels.free`.
 */
export function kernelGradients(
  model: ConvNextPreTrainedModel,
  pixelValues: Tensor,
  options: GradientOptions,
): Gradients {
  checkPixelValues(model.config, pixelValues);
  requireFloat32Parameters(model.namedParameters(), "gradients"); // 16-bit or int8 weights: refused, by name
  const { labels, upstream } = options;
  if ((labels === undefined) === (upstream === undefined)) {
    throw new Error("gradients: give either labels (a classifier's loss) or upstream gradients for named outputs");
  }
  const plan = model.plan(pixelValues.shape, { training: options.training ?? false, outputHiddenStates: false });
  const weights = new Map(model.namedParameters());
  const kernels = options.kernels ?? referenceKernels;
  const tape = trainingForward(plan, weights, pixelValues, kernels, torchRandom(options.seed ?? 0));
  const outputs = new Map([...tapeOutputs(tape)].map(([name, t]) => [name, t.clone()])); // the tape is freed below
  const valueOf = new Map(plan.outputs);
  const seeds = new Map<number, Float32Array>();
  const result: Pick<Gradients, "loss" | "objective"> = {};
  if (labels !== undefined) {
    const logits = outputs.get("logits");
    if (!logits || !valueOf.has("logits") || !("classifier" in model) || !model.classifier) {
      throw new Error("gradients: labels need a classification model with a head (num_labels > 0)");
    }
    const problemType = (model.config.problemType = inferProblemType(model.config, labels));
    result.loss = classificationLoss(logits, labels, problemType, model.config.numLabels);
    seeds.set(valueOf.get("logits")!, classificationLossGradient(logits, labels, problemType, model.config.numLabels));
  } else {
    let objective = 0;
    for (const [name, u] of upstream!) {
      const out = outputs.get(name);
      if (!out) throw new Error(`gradients: upstream.${name}: the model has no output "${name}" (it has ${[...outputs.keys()].join(", ")})`); // prettier-ignore
      if (!sameShape(out.shape, u.shape)) throw new Error(`gradients: upstream.${name} is ${formatShape(u.shape)} but ${name} is ${formatShape(out.shape)}`); // prettier-ignore
      for (let i = 0; i < u.size; i++) objective += out.data[i] * u.data[i];
      const v = valueOf.get(name)!;
      const seed = seeds.get(v);
      if (seed) for (let i = 0; i < u.size; i++) seed[i] += u.data[i];
      else seeds.set(v, u.data.slice());
    }
    result.objective = objective;
  }
  const wantOutputs = options.outputGradients ?? [];
  for (const name of wantOutputs) if (!valueOf.has(name)) throw new Error(`gradients: the model has no output "${name}"`); // prettier-ignore
  const inputGradient = options.inputGradient ?? true;
  const want = [...wantOutputs.map((n) => valueOf.get(n)!), ...(inputGradient ? [plan.input] : [])];
  let back;
  try {
    back = backward(tape, weights, seeds, kernels, want, options.trainable);
  } finally {
    freeTape(tape, kernels);
  }
  const grads = new Map<string, Tensor>();
  for (const [name, p] of model.namedParameters()) {
    grads.set(name, new Tensor(back.grads.get(name) ?? new Float32Array(p.size), p.shape));
  }
  const asTensor = (v: number) => {
    const g = back.values.get(v);
    if (!g) return null;
    const t = new Tensor(g.slice(), plan.values[v].shape);
    kernels.free(g);
    return t;
  };
  return {
    ...result,
    outputs,
    grads,
    ...(inputGradient ? { pixelValuesGrad: asTensor(plan.input) ?? Tensor.zeros(pixelValues.shape) } : {}),
    outputGrads: new Map(wantOutputs.map((n) => [n, asTensor(valueOf.get(n)!)])),
  };
}
