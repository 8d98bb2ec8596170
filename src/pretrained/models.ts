// The model classes as users get them, like transformers' PreTrainedModel: the module tree of src/model,
// running on the configured backend (configureBackend), plus from_pretrained, which reads config.json and
// the weights of a model reference, builds the class the caller asked for (or the one config.json names) and
// loads the weights strictly.

import { getExecutor } from "../backend/executor.js";
import { rawToTensor } from "../io/safetensors.js";
import * as tree from "../model/index.js";
import { parseConvNextConfig, type ConvNextConfig } from "../model/config.js";
import type { ExecutorChoice } from "../model/pretrained-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { readCheckpoint, type Checkpoint } from "./checkpoint.js";
import { mapTfCheckpoint } from "./keys.js";
import { loadWeights, type LoadWeightsOptions } from "./load-weights.js";
import type { HubOptions } from "./hub-options.js";
import { readJson, type ModelFiles } from "./model-files.js";
import { resolveModelFiles, type ModelReference } from "./resolve-model.js";

export class ConvNextModel extends tree.ConvNextModel {
  override executor: ExecutorChoice = getExecutor;

  /** Loads config.json and the weights of a hub id, a model directory (a URL, or a path in Node) or ModelFiles. */
  static async fromPretrained(ref: ModelReference, options: FromPretrainedOptions = {}): Promise<ConvNextModel> {
    return (await loadPretrained(ref, { ...options, task: "base" })) as ConvNextModel;
  }
}

export class ConvNextForImageClassification extends tree.ConvNextForImageClassification {
  override executor: ExecutorChoice = getExecutor;

  static async fromPretrained(
    ref: ModelReference,
    options: FromPretrainedOptions = {},
  ): Promise<ConvNextForImageClassification> {
    return (await loadPretrained(ref, { ...options, task: "classification" })) as ConvNextForImageClassification;
  }
}

export class ConvNextBackbone extends tree.ConvNextBackbone {
  override executor: ExecutorChoice = getExecutor;

  static async fromPretrained(ref: ModelReference, options: FromPretrainedOptions = {}): Promise<ConvNextBackbone> {
    return (await loadPretrained(ref, { ...options, task: "backbone" })) as ConvNextBackbone;
  }
}

/** ConvNeXT V2 uses the same classes: a `model_type: "convnextv2"` config builds GRN blocks. */
export const ConvNextV2Model = ConvNextModel;
export const ConvNextV2ForImageClassification = ConvNextForImageClassification;
export const ConvNextV2Backbone = ConvNextBackbone;

export type Task = "base" | "classification" | "backbone";
export type ConvNextAnyModel = ConvNextModel | ConvNextForImageClassification | ConvNextBackbone;

/** What fromPretrained takes: how to fetch the files (hub options) and how to load the weights. */
export interface FromPretrainedOptions extends LoadWeightsOptions, HubOptions {}

export interface PretrainedOptions extends FromPretrainedOptions {
  /** Which head to build; default: from config.json `architectures` (classification if none). */
  task?: Task;
}

export async function readConfig(files: ModelFiles): Promise<ConvNextConfig> {
  return parseConvNextConfig(await readJson(files, "config.json"), files.describe("config.json"));
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
  ref: ModelReference,
  options: PretrainedOptions = {},
): Promise<PretrainedModel> {
  const files = await resolveModelFiles(ref, options);
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

export async function loadPretrained(ref: ModelReference, options: PretrainedOptions = {}): Promise<ConvNextAnyModel> {
  return (await loadPretrainedModel(ref, options)).model;
}
