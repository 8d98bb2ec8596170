// The model classes as users get them, like transformers' PreTrainedModel: the module tree of src/model,
// running on the configured backend (configureBackend), plus from_pretrained, which reads config.json and
// the weights of a model reference, builds the class the caller asked for (or the one config.json names) and
// loads the weights strictly. A timm checkpoint (config.json with `architecture`) builds the same classes
// with its TimmOptions (timm-config.ts) and its keys mapped (keys.ts).

import { getExecutor } from "../backend/executor.js";
import { rawToTensor } from "../io/safetensors.js";
import * as tree from "../model/index.js";
import { parseConvNextConfig, type ConvNextConfig } from "../model/config.js";
import type { ExecutorChoice } from "../model/pretrained-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { readCheckpoint, type Checkpoint } from "./checkpoint.js";
import { mapTfCheckpoint, mapTimmCheckpoint, timmToModelKey } from "./keys.js";
import { loadWeights, type LoadWeightsOptions } from "./load-weights.js";
import type { HubOptions } from "./hub-options.js";
import { readJson, type ModelFiles } from "./model-files.js";
import { resolveModelFiles, type ModelReference } from "./resolve-model.js";
import { isTimmConfig } from "./config-kind.js";

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
  /**
   * Build the backbone with these feature maps: HF's out_indices (0 = stem, i = stage i) for an HF model,
   * timm's features_only out_indices (0..3 = the stages) for a timm model.
   */
  outIndices?: number[];
}

/** config.json of an HF model (model_type) or of a timm model (architecture). */
export async function readConfig(files: ModelFiles): Promise<ConvNextConfig> {
  const json = await readJson(files, "config.json");
  const where = files.describe("config.json");
  if (!isTimmConfig(json)) return parseConvNextConfig(json, where);
  const { parseTimmConfig } = await import("./timm-config.js"); // timm's registry: loaded for timm checkpoints only
  return parseTimmConfig(json, where).config;
}

/** The config with the backbone's feature maps at `outIndices` (see PretrainedOptions.outIndices). */
export async function withOutIndices(
  config: ConvNextConfig,
  outIndices: number[],
  source: string,
): Promise<ConvNextConfig> {
  // prettier-ignore
  if (config.timm) return (await import("./timm-config.js")).timmOutFeatures(config, outIndices, source);
  return parseConvNextConfig({ ...config.raw, out_indices: outIndices, out_features: null }, source);
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

/**
 * Decodes every tensor to float32 (F16/BF16 upcast once, as from_pretrained does) under PyTorch names; a timm
 * checkpoint (for a `config` from a timm config.json) under the module tree's names.
 */
export function checkpointTensors(checkpoint: Checkpoint, config?: ConvNextConfig): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [key, raw] of checkpoint.tensors) tensors.set(key, rawToTensor(raw));
  if (checkpoint.layout === "tf") return mapTfCheckpoint(tensors);
  return config?.timm ? mapTimmCheckpoint(tensors, config.timm, tree.basePrefix(config)) : tensors;
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
  let config = await readConfig(files);
  if (options.outIndices) {
    if (options.task && options.task !== "backbone") throw new Error(`outIndices select a backbone's feature maps; the task is ${options.task}`); // prettier-ignore
    config = await withOutIndices(config, options.outIndices, `${files.name} (out_indices)`);
  }
  const checkpoint = await readCheckpoint(files);
  const task = options.outIndices ? "backbone" : (options.task ?? taskFromConfig(config));
  const model = createModel(config, task);
  const timm = checkpoint.layout === "pt" ? config.timm : null;
  const fileKeys = timm ? new Map([...checkpoint.tensors.keys()].map((k) => [timmToModelKey(k, timm, tree.basePrefix(config)), k])) : undefined; // prettier-ignore
  loadWeights(model, checkpointTensors(checkpoint, config), {
    fileKeys,
    ...options,
    source: options.source ?? checkpoint.files.map((f) => files.describe(f)).join(", "),
  });
  return { model, config, task, files, checkpoint };
}

export async function loadPretrained(ref: ModelReference, options: PretrainedOptions = {}): Promise<ConvNextAnyModel> {
  return (await loadPretrainedModel(ref, options)).model;
}
