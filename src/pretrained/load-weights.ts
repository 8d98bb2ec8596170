// Strict weight loading: every parameter found with the right shape and every checkpoint tensor used,
// or one error listing all missing, unexpected and mis-shaped keys. The only tolerated differences are
// HF's cross-task rules: heads the model lacks are ignored, backbone norms absent from a non-backbone
// checkpoint start at weight 1 / bias 0, and (only on request) a missing classification head is initialised
// (docs/REFERENCE.md §1, ConvNextBackbone).

import { formatShape, sameShape, Tensor } from "../tensor/tensor.js";
import type { ConvNextConfig } from "../model/config.js";
import { basePrefix } from "../model/convnext-model.js";
import { alignPrefix, headOf } from "./keys.js";
import { firstFew } from "./key-list.js";
import type { HalfValues, Int8Values, Module, Parameter } from "../model/module.js";
import { mulberry32 } from "../ops/drop-path.js";

/** The dtypes a model's weights can be held in (fromPretrained's `dtype`, convert --dtype; weight-dtypes.ts). */
export type WeightDType = "f32" | "f16" | "bf16" | "int8";
export const WEIGHT_DTYPES: readonly WeightDType[] = ["f32", "f16", "bf16", "int8"];

/** A checkpoint tensor kept in its 16-bit or int8 storage (float32 ones are Tensors). */
export interface StoredTensor {
  shape: readonly number[];
  stored: HalfValues | Int8Values;
}

export interface LoadWeightsOptions {
  /** Accept a checkpoint without the classification head (pooler norm / classifier), initialised like HF. */
  allowMissingHead?: boolean;
  /** Receives notices about tolerated differences (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Names the checkpoint in messages. */
  source?: string;
  /** Seed of the classifier initialiser when the head is missing. */
  seed?: number;
  /**
   * The dtype weights are held in (fromPretrained). Default: float32, 16-bit checkpoints upcast once as
   * transformers' from_pretrained does, and an int8 checkpoint (a quantization_config) kept int8. "auto":
   * as stored, 16-bit weights staying 16-bit in memory (the results are the same: kernels widen them
   * exactly). "f32" | "f16" | "bf16" | "int8": converted on load, as `convnext convert --dtype` would.
   */
  dtype?: "auto" | WeightDType;
  /** How the file names its keys, for messages (a timm checkpoint: module key -> timm key). */
  fileKeys?: ReadonlyMap<string, string>;
}

export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WeightsError";
  }
}

export function loadWeights(
  model: Module & { config: ConvNextConfig },
  checkpoint: ReadonlyMap<string, Tensor | StoredTensor>,
  options: LoadWeightsOptions = {},
): void {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const source = options.source ?? "checkpoint";
  const prefix = basePrefix(model.config);
  const params = new Map(model.namedParameters());
  const names = alignPrefix(checkpoint.keys(), new Set(params.keys()), prefix);
  const shown = (key: string) => options.fileKeys?.get(key) ?? key;

  const unexpected: string[] = [];
  const ignored: string[] = [];
  const mismatched: string[] = [];
  const loaded = new Set<string>();
  const misshaped = new Set<string>(); // model names of the mismatched keys
  for (const [key, tensor] of checkpoint) {
    const name = names.get(key)!;
    const param = params.get(name);
    if (!param) {
      // A head this model does not have (e.g. a classifier checkpoint loaded as a backbone) is dropped.
      (headOf(name, prefix) ? ignored : unexpected).push(shown(key));
      continue;
    }
    if (!sameShape(param.shape, tensor.shape)) {
      const file = shown(key) === key ? key : `${shown(key)} (${name})`;
      mismatched.push(`${file}: checkpoint ${formatShape(tensor.shape)} vs model ${formatShape(param.shape)}`);
      misshaped.add(name);
      continue;
    }
    param.assign(tensor instanceof Tensor ? tensor.data : tensor.stored);
    loaded.add(name);
  }

  const checkpointHasNorms = [...names.values()].some((n) => headOf(n, prefix) === "backbone-norms");
  const missing: string[] = [];
  const initialised: Array<[string, Parameter]> = [];
  for (const [name, param] of params) {
    if (loaded.has(name) || misshaped.has(name)) continue;
    const head = headOf(name, prefix);
    const tolerated =
      (head === "backbone-norms" && !checkpointHasNorms) ||
      ((head === "classifier" || head === "pooler") && options.allowMissingHead);
    if (tolerated) initialised.push([name, param]);
    else missing.push(name);
  }

  if (missing.length + unexpected.length + mismatched.length > 0) {
    const lines = [`${source}: checkpoint does not match the model (${model.constructor.name}):`];
    if (missing.length) {
      const how = options.fileKeys ? " (the module's names; docs/TIMM.md maps them to timm's)" : "";
      lines.push(`  missing keys (${missing.length})${how}: ${firstFew(missing).join(", ")}`);
    }
    if (unexpected.length) lines.push(`  unexpected keys (${unexpected.length}): ${firstFew(unexpected).join(", ")}`);
    if (mismatched.length)
      lines.push(`  mis-shaped keys (${mismatched.length}):`, ...firstFew(mismatched).map((m) => `    ${m}`));
    if (missing.some((n) => headOf(n, prefix) === "classifier" || headOf(n, prefix) === "pooler")) {
      lines.push("  (to start a new classification head from a base-model checkpoint, pass allowMissingHead)");
    }
    throw new WeightsError(lines.join("\n"));
  }
  if (ignored.length)
    warn(`${source}: ignoring weights of a head ${model.constructor.name} does not have: ${ignored.join(", ")}`);
  if (initialised.length) {
    initialiseLikeHF(initialised, model.config.initializerRange, options.seed ?? 0);
    warn(`${source}: newly initialised (not in the checkpoint): ${initialised.map(([n]) => n).join(", ")}`);
  }
}

/**
 * HF's init for what a checkpoint lacks: Linear weight ~ N(0, initializer_range) and bias 0;
 * LayerNorm weight 1 and bias 0 (ConvNextLayerNorm keeps its constructor values, the same).
 */
function initialiseLikeHF(params: Array<[string, Parameter]>, std: number, seed: number): void {
  const random = mulberry32(seed);
  for (const [name, param] of params) {
    const data = new Float32Array(param.size);
    const isLinearWeight = name.endsWith("classifier.weight");
    if (isLinearWeight) {
      for (let i = 0; i < data.length; i++) {
        // Box-Muller
        const u = 1 - random();
        data[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      }
    } else if (name.endsWith(".weight")) {
      data.fill(1);
    }
    param.assign(data);
  }
}
