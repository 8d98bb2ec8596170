// The model classes as users get them, like transformers' PreTrainedModel: the module tree of src/model,
// running on the configured backend (configureBackend), plus from_pretrained, which reads config.json and
// the weights of a model reference, builds the class the caller asked for (or the one config.json names) and
// loads the weights strictly. A timm checkpoint (config.json with `architecture`) builds the same classes
// with its TimmOptions (timm-config.ts) and its keys mapped (keys.ts).

import { getBackend } from "../backend/backend.js";
import { getExecutor } from "../backend/executor.js";
import { loadWeightKernels } from "../backend/wasm/wasm-kernels.js";
import * as tree from "../model/index.js";
import { parseConvNextConfig, type ConvNextConfig } from "../model/config.js";
import type { ExecutorChoice } from "../model/pretrained-model.js";
import { checkpointTensors, namingFile, readCheckpoint, type Checkpoint } from "./checkpoint.js";
import { timmToModelKey } from "./keys.js";
import { loadWeights, WEIGHT_DTYPES, type LoadWeightsOptions } from "./load-weights.js";
import type { HubOptions } from "./hub-options.js";
import { readJson, type ModelFiles } from "./model-files.js";
import { resolveModelFiles, type ModelReference } from "./resolve-model.js";
import { isTimmConfig } from "./config-kind.js";

// decoding to float32 (16-bit and int8 tensors kept as they are: checkpoint-weights.ts, loaded on demand)
export { checkpointTensors } from "./checkpoint.js";

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
 * Whether a checkpoint's weights are anything but float32 values (checkpoint-weights.ts then reads them): 16-bit
 * tensors kept 16-bit, or the int8 format (a quantization_config, an int8 tensor, a `weight_scale`).
 */
function needsStoredWeights(checkpoint: Checkpoint, quantized: boolean, keep16: boolean): boolean {
  if (quantized) return true;
  for (const [key, t] of checkpoint.tensors) {
    if (t.dtype === "I8" || key.endsWith(".weight_scale") || (keep16 && (t.dtype === "F16" || t.dtype === "BF16"))) return true; // prettier-ignore
  }
  return false;
}

/** Whether config.json has a quantization_config (checked against the int8 format this engine reads). */
async function hasQuantizationConfig(config: ConvNextConfig, files: ModelFiles): Promise<boolean> {
  const value = config.raw.quantization_config;
  if (value === undefined || value === null) return false;
  const { parseQuantizationConfig } = await import("./quantization-config.js"); // only for int8 checkpoints
  return parseQuantizationConfig(value, files.describe("config.json")) !== null;
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
    const quantized = await hasQuantizationConfig(config, files);
    const keep16 = options.dtype !== undefined && options.dtype !== "f32";
    const weights = needsStoredWeights(checkpoint, quantized, keep16)
      ? await (await import("./checkpoint-weights.js")).checkpointWeights(checkpoint, quantized, keep16, source, config) // prettier-ignore
      : namingFile(source, () => checkpointTensors(checkpoint!, config));
    loadWeights(model, weights, { fileKeys, ...options, source });
    if (options.dtype !== undefined && options.dtype !== "auto") {
      // converting on load: the conversions (weight-dtypes.ts) load only when asked for
      (await import("./weight-dtypes.js")).convertWeights(model, options.dtype);
    }
    // the wasm GEMMs for 16-bit and int8 weights are a module of their own, loaded for a model that holds such
    if (model.namedParameters().some(([, p]) => p.dtype !== "F32")) await loadWeightKernels();
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
