// The model classes as users get them, like transformers' PreTrainedModel: the module tree of src/model,
// running on the configured backend (configureBackend), plus from_pretrained, which reads config.json and
// the weights of a model reference, builds the class the caller asked for (or the one config.json names) and
// loads the weights strictly.

import { getBackend } from "../backend/backend.js";
import { getExecutor } from "../backend/executor.js";
import { rawToTensor, type RawTensor } from "../io/safetensors.js";
import * as tree from "../model/index.js";
import { parseConvNextConfig, type ConvNextConfig } from "../model/config.js";
import type { ExecutorChoice } from "../model/pretrained-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { readCheckpoint, type Checkpoint } from "./checkpoint.js";
import { mapTfCheckpoint } from "./keys.js";
import { loadWeights, type LoadWeightsOptions, type StoredTensor } from "./load-weights.js";
import { readJson, resolveModelFiles, type ModelFiles } from "./model-files.js";
import { pairInt8Tensors, parseQuantizationConfig } from "./quantization-config.js";
import { convertWeights, WEIGHT_DTYPES } from "./weight-dtypes.js";

export class ConvNextModel extends tree.ConvNextModel {
  override executor: ExecutorChoice = getExecutor;

  /** Loads config.json and the weights of a model directory, a hub id (Node) or ModelFiles. */
  static async fromPretrained(ref: string | ModelFiles, options: LoadWeightsOptions = {}): Promise<ConvNextModel> {
    return (await loadPretrained(ref, { ...options, task: "base" })) as ConvNextModel;
  }
}

export class ConvNextForImageClassification extends tree.ConvNextForImageClassification {
  override executor: ExecutorChoice = getExecutor;

  static async fromPretrained(
    ref: string | ModelFiles,
    options: LoadWeightsOptions = {},
  ): Promise<ConvNextForImageClassification> {
    return (await loadPretrained(ref, { ...options, task: "classification" })) as ConvNextForImageClassification;
  }
}

export class ConvNextBackbone extends tree.ConvNextBackbone {
  override executor: ExecutorChoice = getExecutor;

  static async fromPretrained(ref: string | ModelFiles, options: LoadWeightsOptions = {}): Promise<ConvNextBackbone> {
    return (await loadPretrained(ref, { ...options, task: "backbone" })) as ConvNextBackbone;
  }
}

/** ConvNeXT V2 uses the same classes: a `model_type: "convnextv2"` config builds GRN blocks. */
export const ConvNextV2Model = ConvNextModel;
export const ConvNextV2ForImageClassification = ConvNextForImageClassification;
export const ConvNextV2Backbone = ConvNextBackbone;

export type Task = "base" | "classification" | "backbone";
export type ConvNextAnyModel = ConvNextModel | ConvNextForImageClassification | ConvNextBackbone;

export interface PretrainedOptions extends LoadWeightsOptions {
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

/**
 * The checkpoint's tensors as parameter values under PyTorch names: int8 weights paired with their scales
 * (`quantized`: config.json has a quantization_config), F16 / BF16 kept 16-bit when `keep16`, the rest
 * decoded to float32. `where` names the checkpoint in errors.
 */
export function checkpointWeights(
  checkpoint: Checkpoint,
  quantized: boolean,
  keep16: boolean,
  where: string,
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
  return out;
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
  ref: string | ModelFiles,
  options: PretrainedOptions = {},
): Promise<PretrainedModel> {
  if (options.dtype !== undefined && options.dtype !== "auto" && !WEIGHT_DTYPES.includes(options.dtype)) {
    throw new Error(`dtype must be "auto", ${WEIGHT_DTYPES.map((d) => `"${d}"`).join(", ")}; got ${JSON.stringify(options.dtype)}`); // prettier-ignore
  }
  const files = await resolveModelFiles(ref);
  const config = await readConfig(files);
  const arena = checkpointArena(files);
  let model: ConvNextAnyModel | null = null;
  let checkpoint: Checkpoint | null = null;
  try {
    checkpoint = await readCheckpoint(files, arena?.allocate);
    const task = options.task ?? taskFromConfig(config);
    model = createModel(config, task);
    const source = options.source ?? checkpoint.files.map((f) => files.describe(f)).join(", ");
    const quantization = parseQuantizationConfig(config.raw.quantization_config, files.describe("config.json"));
    const keep16 = options.dtype !== undefined && options.dtype !== "f32";
    loadWeights(model, checkpointWeights(checkpoint, quantization !== null, keep16, source), { ...options, source }); // prettier-ignore
    if (options.dtype !== undefined && options.dtype !== "auto") convertWeights(model, options.dtype);
    return { model, config, task, files, checkpoint };
  } finally {
    // the checkpoint's bytes stay in the kernels' memory while parameters (or the checkpoint's own tensors,
    // returned to the caller) view them
    const raw = checkpoint ? [...checkpoint.tensors.values()].map((t) => t.bytes) : [];
    arena?.adopt([...(model ? parameterArrays(model) : []), ...raw]);
  }
}

export async function loadPretrained(
  ref: string | ModelFiles,
  options: PretrainedOptions = {},
): Promise<ConvNextAnyModel> {
  return (await loadPretrainedModel(ref, options)).model;
}
