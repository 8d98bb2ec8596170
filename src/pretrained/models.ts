// The model classes as users get them, like transformers' PreTrainedModel: the module tree of src/model,
// running on the configured backend (configureBackend), plus from_pretrained, which reads config.json and
// the weights of a model reference, builds the class the caller asked for (or the one config.json names) and
// loads the weights strictly. A timm checkpoint (config.json with `architecture`) builds the same classes
// with its TimmOptions (timm-config.ts) and its keys mapped (keys.ts).

import { getBackend } from "../backend/backend.js";
import { getExecutor } from "../backend/executor.js";
import { rawToTensor, type RawTensor } from "../io/safetensors.js";
import * as tree from "../model/index.js";
import { parseConvNextConfig, type ConvNextConfig } from "../model/config.js";
import type { ExecutorChoice } from "../model/pretrained-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { readCheckpoint, type Checkpoint } from "./checkpoint.js";
import { mapTfCheckpoint, mapTimmCheckpoint, timmToModelKey } from "./keys.js";
import { loadWeights, type LoadWeightsOptions, type StoredTensor } from "./load-weights.js";
import type { HubOptions } from "./hub-options.js";
import { readJson, type ModelFiles } from "./model-files.js";
import { resolveModelFiles, type ModelReference } from "./resolve-model.js";
import { isTimmConfig } from "./config-kind.js";
import { pairInt8Tensors, parseQuantizationConfig } from "./quantization-config.js";
import { convertWeights, WEIGHT_DTYPES } from "./weight-dtypes.js";

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

/**
 * The checkpoint's tensors as parameter values under PyTorch names (a timm checkpoint's, for a `config` from a
 * timm config.json, under the module tree's names): int8 weights paired with their scales (`quantized`:
 * config.json has a quantization_config), F16 / BF16 kept 16-bit when `keep16`, the rest decoded to float32.
 * `where` names the checkpoint in errors.
 */
export function checkpointWeights(
  checkpoint: Checkpoint,
  quantized: boolean,
  keep16: boolean,
  where: string,
  config?: ConvNextConfig,
): Map<string, Tensor | StoredTensor> {
  if (checkpoint.layout === "tf") {
    if (quantized) throw new Error(`${where}: a quantization_config with TensorFlow weights is not supported`);
    return checkpointTensors(checkpoint); // 16-bit TF weights are upcast: their kernels are transposed anyway
  }
  const { int8, rest } = pairInt8Tensors(checkpoint.tensors, where, quantized);
  const out = new Map<string, Tensor | StoredTensor>(int8);
  for (const [key, raw] of rest) {
    const dtype = raw.dtype;
    if (keep16 && (dtype === "F16" || dtype === "BF16"))
      out.set(key, { shape: raw.shape, stored: { dtype, bits: uint16Of(raw) } }); // prettier-ignore
    else out.set(key, rawToTensor(raw));
  }
  return config?.timm ? mapTimmCheckpoint(out, config.timm, tree.basePrefix(config)) : out;
}

/** A 16-bit tensor's elements: a view of the file's bytes when 2-byte aligned, else a copy. */
function uint16Of(raw: RawTensor): Uint16Array {
  const { bytes } = raw;
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  return new Uint16Array(bytes.slice().buffer);
}

/** Everything from_pretrained read and built, for callers that report on it (CLI info/convert). */
export interface PretrainedModel {
  model: ConvNextAnyModel;
  config: ConvNextConfig;
  task: Task;
  files: ModelFiles;
  checkpoint: Checkpoint;
}

/**
 * Where a checkpoint can be read straight into the configured backend's memory (a fast backend with shared
 * memory, and files that support it), so the first pass does not copy the weights: they are held once.
 */
function checkpointArena(files: ModelFiles) {
  if (!files.readInto) return null;
  try {
    return getBackend()?.heap.checkpointArena() ?? null;
  } catch {
    return null; // an invalid backend setting is reported by the first forward pass, as before
  }
}

/** Every array a model's parameters hold their values in. */
function parameterArrays(model: ConvNextAnyModel): ArrayBufferView[] {
  return model.namedParameters().flatMap(([, p]): ArrayBufferView[] => {
    const s = p.stored;
    if (!s) return [p.data];
    return s.dtype === "I8" ? [s.values, s.scales] : [s.bits];
  });
}

export async function loadPretrainedModel(
  ref: ModelReference,
  options: PretrainedOptions = {},
): Promise<PretrainedModel> {
  if (options.dtype !== undefined && options.dtype !== "auto" && !WEIGHT_DTYPES.includes(options.dtype)) {
    throw new Error(`dtype must be "auto", ${WEIGHT_DTYPES.map((d) => `"${d}"`).join(", ")}; got ${JSON.stringify(options.dtype)}`); // prettier-ignore
  }
  const files = await resolveModelFiles(ref, options);
  let config = await readConfig(files);
  if (options.outIndices) {
    if (options.task && options.task !== "backbone") throw new Error(`outIndices select a backbone's feature maps; the task is ${options.task}`); // prettier-ignore
    config = await withOutIndices(config, options.outIndices, `${files.name} (out_indices)`);
  }
  const arena = checkpointArena(files);
  let model: ConvNextAnyModel | null = null;
  let checkpoint: Checkpoint | null = null;
  try {
    checkpoint = await readCheckpoint(files, arena?.allocate);
    const task = options.outIndices ? "backbone" : (options.task ?? taskFromConfig(config));
    model = createModel(config, task);
    const source = options.source ?? checkpoint.files.map((f) => files.describe(f)).join(", ");
    const timm = checkpoint.layout === "pt" ? config.timm : null;
    const fileKeys = timm ? new Map([...checkpoint.tensors.keys()].map((k) => [timmToModelKey(k, timm, tree.basePrefix(config)), k])) : undefined; // prettier-ignore
    const quantization = parseQuantizationConfig(config.raw.quantization_config, files.describe("config.json"));
    const keep16 = options.dtype !== undefined && options.dtype !== "f32";
    const weights = checkpointWeights(checkpoint, quantization !== null, keep16, source, config);
    loadWeights(model, weights, { fileKeys, ...options, source });
    if (options.dtype !== undefined && options.dtype !== "auto") convertWeights(model, options.dtype);
    return { model, config, task, files, checkpoint };
  } finally {
    // the checkpoint's bytes stay in the kernels' memory while parameters (or the checkpoint's own tensors,
    // returned to the caller) view them
    const raw = checkpoint ? [...checkpoint.tensors.values()].map((t) => t.bytes) : [];
    arena?.adopt([...(model ? parameterArrays(model) : []), ...raw]);
  }
}

export async function loadPretrained(ref: ModelReference, options: PretrainedOptions = {}): Promise<ConvNextAnyModel> {
  return (await loadPretrainedModel(ref, options)).model;
}
