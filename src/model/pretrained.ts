// from_pretrained: read config.json and the weights of a model reference, build the model class the
// caller asked for (or the one config.json names), and load the weights strictly.

import { readCheckpoint, type Checkpoint } from "../io/checkpoint.js";
import { resolveModelFiles, type ModelFiles } from "../io/model-files.js";
import { rawToTensor } from "../io/safetensors.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConvNextBackbone } from "./backbone.js";
import { ConvNextForImageClassification } from "./classification.js";
import { parseConvNextConfig, type ConvNextConfig } from "./config.js";
import { ConvNextModel } from "./convnext-model.js";
import { loadWeights, type LoadWeightsOptions } from "./load-weights.js";
import { mapTfCheckpoint } from "./keys.js";

export type Task = "base" | "classification" | "backbone";
export type ConvNextAnyModel = ConvNextModel | ConvNextForImageClassification | ConvNextBackbone;

export interface PretrainedOptions extends LoadWeightsOptions {
  /** Which head to build; default: from config.json `architectures` (classification if none). */
  task?: Task;
}

export async function readConfig(files: ModelFiles): Promise<ConvNextConfig> {
  const bytes = await files.read("config.json");
  const where = files.describe("config.json");
  if (!bytes) throw new Error(`${where}: not found`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${where}: invalid JSON (${(e as Error).message})`);
  }
  return parseConvNextConfig(json, where);
}

/** The task config.json's `architectures` names: ...ForImageClassification, ...Backbone or ...Model. */
export function taskFromConfig(config: ConvNextConfig): Task {
  const arch = config.architectures?.[0] ?? "";
  if (arch.endsWith("Backbone")) return "backbone";
  if (arch.endsWith("Model")) return "base";
  return "classification";
}

export function createModel(config: ConvNextConfig, task: Task): ConvNextAnyModel {
  if (task === "base") return new ConvNextModel(config);
  if (task === "backbone") return new ConvNextBackbone(config);
  return new ConvNextForImageClassification(config);
}

/** Decodes every tensor to float32 (F16/BF16 upcast once, as from_pretrained does) under PyTorch names. */
export function checkpointTensors(checkpoint: Checkpoint): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [key, raw] of checkpoint.tensors) tensors.set(key, rawToTensor(raw));
  return checkpoint.layout === "tf" ? mapTfCheckpoint(tensors) : tensors;
}

/** Everything from_pretrained read and built, for callers that report on it (CLI info/convert). */
export interface PretrainedModel {
  model: ConvNextAnyModel;
  config: ConvNextConfig;
  task: Task;
  files: ModelFiles;
  checkpoint: Checkpoint;
}

export async function loadPretrainedModel(
  ref: string | ModelFiles,
  options: PretrainedOptions = {},
): Promise<PretrainedModel> {
  const files = await resolveModelFiles(ref);
  const config = await readConfig(files);
  const checkpoint = await readCheckpoint(files);
  const task = options.task ?? taskFromConfig(config);
  const model = createModel(config, task);
  loadWeights(model, checkpointTensors(checkpoint), {
    ...options,
    source: options.source ?? checkpoint.files.map((f) => files.describe(f)).join(", "),
  });
  return { model, config, task, files, checkpoint };
}

export async function loadPretrained(
  ref: string | ModelFiles,
  options: PretrainedOptions = {},
): Promise<ConvNextAnyModel> {
  return (await loadPretrainedModel(ref, options)).model;
}
