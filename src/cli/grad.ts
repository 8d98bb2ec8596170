// `convnext grad`: the gradient parity interface, the backward twin of `convnext forward`. Reads pixel_values
// and labels (a classifier's loss) or upstream.<output> gradients, writes the loss or objective, d / d
// pixel_values and d / d every parameter under its state_dict name, and optionally Grad-CAM.

import { parseSafetensors, rawToTensor, serializeSafetensors, type RawTensor } from "../io/safetensors.js";
import type { ConvNextForImageClassification } from "../model/classification.js";
import type { Labels } from "../model/loss.js";
import { readBytes, writeFileAtomic } from "../node/files.js";
import { isFloatDType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { trainingKernels } from "../train/fast-kernels.js";
import { gradCam } from "../train/gradcam.js";
import { computeGradients } from "../train/gradients.js";
import { CliError, parseCommandLine, requireOption, type Command } from "./command.js";
import { applyRunOptions, RUN_HELP, RUN_OPTIONS } from "./run-options.js";
import { loadModel, parseTask } from "./load-model.js";

const help = `usage: convnext grad --model REF --input IN.safetensors --output OUT.safetensors [--gradcam] [options]

Gradients of a ConvNeXT / ConvNeXT V2 checkpoint, as PyTorch autograd computes them for transformers' models
(eval mode: no drop path).

  --model REF          model directory, or hub id org/name[@revision] (through the HF cache)
  --input FILE         safetensors with "pixel_values" and either
                         "labels" (classification: HF's loss for problem_type; integer ids -> cross-entropy,
                         float -> BCE / MSE), or
                         "upstream.<output>" gradients for outputs of the model (base: last_hidden_state,
                         pooler_output; backbone: feature_maps.<i>; classification: logits, ...):
                         objective = sum over them of sum(output * upstream)
  --output FILE        safetensors to write, atomically:
                         loss (with labels) or objective, grad.pixel_values, grad.<param> for every parameter
                         (HF state_dict names of the class run)
  --gradcam            also gradcam.target (int64, argmax of the logits), gradcam.weights [B, C], gradcam.cam
                       [B, h, w] (Grad-CAM on the last stage, no upsampling; classification only)
  --task TASK          base | classification | backbone (default: from config.json "architectures")
  --allow-missing-head accept a checkpoint without the classification head (initialised like HF)
${RUN_HELP}`;

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, {
    model: { type: "string" },
    input: { type: "string" },
    output: { type: "string" },
    gradcam: { type: "boolean", default: false },
    task: { type: "string" },
    "allow-missing-head": { type: "boolean", default: false },
    ...RUN_OPTIONS,
  });
  applyRunOptions(values);
  const modelRef = requireOption(values.model, "--model");
  const inputPath = requireOption(values.input, "--input");
  const outputPath = requireOption(values.output, "--output");
  const task = parseTask(values.task);

  const input = parseSafetensors(await readBytes(inputPath), inputPath);
  const pixelRaw = input.tensors.get("pixel_values");
  if (!pixelRaw) throw new Error(`${inputPath}: no "pixel_values" tensor (found: ${[...input.tensors.keys()].join(", ")})`); // prettier-ignore
  if (!isFloatDType(pixelRaw.dtype)) throw new Error(`${inputPath}: pixel_values must be a float tensor, got ${pixelRaw.dtype}`); // prettier-ignore
  const pixelValues = rawToTensor(pixelRaw);
  const labelsRaw = input.tensors.get("labels");
  const upstream = new Map<string, Tensor>();
  for (const [key, raw] of input.tensors) {
    if (!key.startsWith("upstream.")) continue;
    if (!isFloatDType(raw.dtype)) throw new Error(`${inputPath}: ${key} must be a float tensor, got ${raw.dtype}`);
    upstream.set(key.slice("upstream.".length), rawToTensor(raw));
  }
  if (!labelsRaw && upstream.size === 0) {
    throw new CliError(`${inputPath}: needs "labels" (a classifier's loss) or "upstream.<output>" tensors`);
  }
  if (labelsRaw && upstream.size > 0) {
    throw new CliError(`${inputPath}: has both "labels" and upstream gradients; give one objective`);
  }
  let labels: Labels | undefined;
  if (labelsRaw) {
    const t = rawToTensor(labelsRaw);
    labels = isFloatDType(labelsRaw.dtype) ? t : Int32Array.from(t.data);
  }

  const { model, task: taskRun } = await loadModel(modelRef, task, { allowMissingHead: values["allow-missing-head"], training: true }); // prettier-ignore
  if (values.gradcam && taskRun !== "classification") throw new CliError("--gradcam needs a classification model");
  const kernels = trainingKernels();
  let result;
  try {
    result = computeGradients(model, pixelValues, labels ? { labels, kernels } : { upstream, kernels });
  } catch (e) {
    throw new Error(`${inputPath}: ${(e as Error).message}`);
  }
  const out: Array<[string, Tensor | RawTensor]> = [];
  const scalar = (v: number) => new Tensor(Float32Array.of(v), []);
  out.push(result.loss !== undefined ? ["loss", scalar(result.loss)] : ["objective", scalar(result.objective!)]);
  out.push(["grad.pixel_values", result.pixelValuesGrad!]);
  for (const [name, g] of result.grads) out.push([`grad.${name}`, g]);
  if (values.gradcam) {
    const cam = gradCam(model as ConvNextForImageClassification, pixelValues, { kernels });
    const target = BigInt64Array.from(cam.target, (t) => BigInt(t));
    out.push(["gradcam.target", { dtype: "I64", shape: [target.length], bytes: new Uint8Array(target.buffer) }]);
    out.push(["gradcam.weights", cam.weights], ["gradcam.cam", cam.cam]);
  }
  await writeFileAtomic(outputPath, serializeSafetensors(out, { format: "pt" }));
  const what = result.loss !== undefined ? `loss ${result.loss}` : `objective ${result.objective}`;
  console.error(`${what}; wrote ${out.length} tensors (grad.pixel_values, ${result.grads.size} parameter gradients${values.gradcam ? ", gradcam.*" : ""}) to ${outputPath}`); // prettier-ignore
  return 0;
}

const command: Command = { help, run };
export default command;
