// ConvNextConfig / ConvNextV2Config: every field and default of transformers v4.37.2, read from a
// config.json object and validated, so a bad file fails here with its name rather than inside a kernel.
// Which fields matter where: docs/REFERENCE.md §1 (layer_norm_eps reaches only the pooler norm).

import { isActivation } from "../ops/activations.js";
import type { TimmOptions } from "./timm-options.js";

export type ModelType = "convnext" | "convnextv2";
export type ProblemType = "regression" | "single_label_classification" | "multi_label_classification";

export interface ConvNextConfig {
  modelType: ModelType;
  architectures: string[] | null;
  numChannels: number;
  patchSize: number;
  numStages: number;
  hiddenSizes: number[];
  depths: number[];
  hiddenAct: string;
  initializerRange: number;
  layerNormEps: number;
  /** ConvNeXT V1 only (V2 has no layer scale); > 0 means blocks carry `layer_scale_parameter`. */
  layerScaleInitValue: number;
  dropPathRate: number;
  imageSize: number;
  stageNames: string[];
  outFeatures: string[];
  outIndices: number[];
  id2label: Record<number, string>;
  label2id: Record<string, number>;
  numLabels: number;
  problemType: ProblemType | null;
  outputHiddenStates: boolean;
  /** The config.json object as read, for round-tripping fields this engine does not use. */
  raw: Record<string, unknown>;
  /** timm's options beyond this config (a model from a timm checkpoint), or null: HF's architecture. */
  timm: TimmOptions | null;
}

export class ConfigError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: invalid config: ${message}`);
    this.name = "ConfigError";
  }
}

/**
 * Caps on what a config.json may ask for, so an 800-byte file cannot make the loader build gigabytes of
 * labels or layers before the checkpoint is compared with it. Published ConvNeXTs are far inside them
 * (xxlarge: depths [3, 4, 30, 3], hidden 3072; ImageNet-22k: 21,841 labels).
 */
export const CONFIG_LIMITS = Object.freeze({
  stages: 16,
  depth: 1_000,
  totalDepth: 10_000,
  hiddenSize: 65_536,
  patchSize: 1_024,
  channels: 1_024,
  imageSize: 65_536,
  labels: 100_000,
});

const PROBLEM_TYPES: ProblemType[] = ["regression", "single_label_classification", "multi_label_classification"];

/** Builds a config from a parsed config.json (or a partial object: missing fields take HF's defaults). */
export function parseConvNextConfig(json: unknown, source = "config.json"): ConvNextConfig {
  const fail = (msg: string): never => {
    throw new ConfigError(source, msg);
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) fail("not a JSON object");
  const raw = json as Record<string, unknown>;
  const get = <T>(key: string, fallback: T, check: (v: unknown) => boolean, what: string): T => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (!check(v)) fail(`"${key}" must be ${what}, got ${short(v)}`);
    return v as T;
  };
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  const upTo = (max: number) => (v: unknown) => posInt(v) && (v as number) <= max;
  const num = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  const L = CONFIG_LIMITS;
  const intList = (max: number) => (v: unknown) =>
    Array.isArray(v) && v.length > 0 && v.length <= L.stages && v.every(upTo(max));

  const modelType = get<string>("model_type", "convnext", (v) => typeof v === "string", "a string");
  if (modelType !== "convnext" && modelType !== "convnextv2") {
    fail(`model_type ${short(modelType)} is not a ConvNeXT model (expected "convnext" or "convnextv2")`);
  }
  const numStages = get("num_stages", 4, upTo(L.stages), `an integer in 1..${L.stages}`);
  const listOf = (max: number) => `a list of 1..${L.stages} integers in 1..${max}`;
  const hiddenSizes = get("hidden_sizes", [96, 192, 384, 768], intList(L.hiddenSize), listOf(L.hiddenSize));
  const depths = get("depths", [3, 3, 9, 3], intList(L.depth), listOf(L.depth));
  const totalDepth = depths.reduce((a, b) => a + b, 0);
  if (totalDepth > L.totalDepth) fail(`depths add up to ${totalDepth} layers, above the limit of ${L.totalDepth}`);
  if (depths.length !== numStages || hiddenSizes.length !== numStages) {
    fail(
      `num_stages is ${numStages} but depths has ${depths.length} entries and hidden_sizes ${hiddenSizes.length}; ` +
        "all three must agree",
    );
  }
  const hiddenAct = get("hidden_act", "gelu", (v) => typeof v === "string", "a string");
  if (!isActivation(hiddenAct)) fail(`unknown hidden_act ${short(hiddenAct)}`);

  // PretrainedConfig: id2label wins over num_labels; otherwise num_labels (default 2) makes LABEL_i names.
  let id2label: Record<number, string>;
  const rawId2label = raw.id2label;
  if (rawId2label !== undefined && rawId2label !== null) {
    if (typeof rawId2label !== "object" || Array.isArray(rawId2label)) fail("id2label must be an object");
    const entries = Object.entries(rawId2label as object);
    if (entries.length > L.labels) fail(`id2label has ${entries.length} labels, above the limit of ${L.labels}`);
    id2label = {};
    for (const [k, v] of entries) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0) fail(`id2label key ${short(k)} is not a non-negative integer`);
      if (typeof v !== "string") fail(`id2label[${k}] must be a string, got ${short(v)}`);
      id2label[i] = v;
    }
  } else {
    const n = get(
      "num_labels",
      2,
      (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= L.labels,
      `an integer in 0..${L.labels}`,
    );
    id2label = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, `LABEL_${i}`]));
  }
  const numLabels = Object.keys(id2label).length;
  for (let i = 0; i < numLabels; i++) {
    if (!(i in id2label)) fail(`id2label must have the keys 0..${numLabels - 1}, ${i} is missing`);
  }
  const rawLabel2id = raw.label2id;
  if (
    rawLabel2id !== undefined &&
    rawLabel2id !== null &&
    (typeof rawLabel2id !== "object" ||
      Array.isArray(rawLabel2id) ||
      !Object.values(rawLabel2id).every((v) => Number.isInteger(v) && v >= 0))
  ) {
    fail("label2id must be an object of label -> non-negative integer");
  }
  const label2id =
    (rawLabel2id as Record<string, number> | undefined | null) ??
    Object.fromEntries(Object.entries(id2label).map(([i, l]) => [l, Number(i)]));

  const problemType = get<string | null>("problem_type", null, (v) => typeof v === "string", "a string");
  if (problemType !== null && !PROBLEM_TYPES.includes(problemType as ProblemType)) {
    fail(`problem_type ${short(problemType)} is not one of ${PROBLEM_TYPES.join(", ")}`);
  }

  const stageNames = ["stem", ...depths.map((_, i) => `stage${i + 1}`)];
  const [outFeatures, outIndices] = alignOutFeatures(raw.out_features, raw.out_indices, stageNames, fail);

  return {
    modelType: modelType as ModelType,
    architectures: get<string[] | null>(
      "architectures",
      null,
      (v) => Array.isArray(v) && v.every((a) => typeof a === "string"),
      "a list of strings",
    ),
    numChannels: get("num_channels", 3, upTo(L.channels), `an integer in 1..${L.channels}`),
    patchSize: get("patch_size", 4, upTo(L.patchSize), `an integer in 1..${L.patchSize}`),
    numStages,
    hiddenSizes,
    depths,
    hiddenAct,
    initializerRange: get("initializer_range", 0.02, num, "a number"),
    layerNormEps: get("layer_norm_eps", 1e-12, (v) => num(v) && (v as number) >= 0, "a non-negative number"),
    layerScaleInitValue: modelType === "convnext" ? get("layer_scale_init_value", 1e-6, num, "a number") : 0,
    dropPathRate: get("drop_path_rate", 0, (v) => num(v) && (v as number) >= 0 && (v as number) < 1, "in [0, 1)"),
    imageSize: get("image_size", 224, upTo(L.imageSize), `an integer in 1..${L.imageSize}`),
    stageNames,
    outFeatures,
    outIndices,
    id2label,
    label2id,
    numLabels,
    problemType: problemType as ProblemType | null,
    outputHiddenStates: get("output_hidden_states", false, (v) => typeof v === "boolean", "a boolean"),
    raw,
    timm: null,
  };
}

/** A value from the file for a message, cut short (a hostile config stays a one-line error). */
function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** backbone_utils.get_aligned_output_features_output_indices, with its verification. */
function alignOutFeatures(
  features: unknown,
  indices: unknown,
  stageNames: string[],
  fail: (msg: string) => never,
): [string[], number[]] {
  const n = stageNames.length;
  if (features !== undefined && features !== null) {
    if (!Array.isArray(features) || !features.every((f) => typeof f === "string")) fail("out_features must be a list");
    const f = features as string[];
    if (f.some((s) => !stageNames.includes(s)))
      fail(`out_features must be a subset of [${stageNames}], got ${short(f)}`);
    if (new Set(f).size !== f.length) fail(`out_features must not contain duplicates, got ${short(f)}`);
    const sorted = stageNames.filter((s) => f.includes(s));
    if (sorted.some((s, i) => s !== f[i])) fail(`out_features must be in stage order [${sorted}], got ${short(f)}`);
  }
  if (indices !== undefined && indices !== null) {
    if (!Array.isArray(indices) || !indices.every(Number.isInteger)) fail("out_indices must be a list of integers");
    const positive = (indices as number[]).map((i) => (i < 0 ? i + n : i));
    if (positive.some((i) => i < 0 || i >= n)) fail(`out_indices ${short(indices)} out of range for ${n} stages`);
    if (new Set(positive).size !== positive.length)
      fail(`out_indices must not contain duplicates, got ${short(indices)}`);
    if (positive.some((v, i) => i > 0 && v < positive[i - 1]))
      fail(`out_indices must be in stage order, got ${short(indices)}`);
  }
  let outFeatures = features as string[] | null | undefined;
  let outIndices = indices as number[] | null | undefined;
  if (outFeatures != null && outIndices != null) {
    if (outFeatures.length !== outIndices.length || outFeatures.some((f, i) => f !== stageNames.at(outIndices![i]))) {
      fail(`out_features ${short(outFeatures)} and out_indices ${short(outIndices)} do not name the same stages`);
    }
  } else if (outFeatures != null) {
    outIndices = outFeatures.map((f) => stageNames.indexOf(f));
  } else if (outIndices != null) {
    outFeatures = outIndices.map((i) => stageNames.at(i)!);
  } else {
    outFeatures = [stageNames[n - 1]];
    outIndices = [n - 1];
  }
  return [outFeatures, outIndices!];
}

/** Per-block drop path rates: torch.linspace(0, drop_path_rate, sum(depths)), split by stage. */
export function dropPathRates(config: ConvNextConfig): number[][] {
  const total = config.depths.reduce((a, b) => a + b, 0);
  const rates = Array.from({ length: total }, (_, i) =>
    total === 1 ? 0 : Math.fround((config.dropPathRate * i) / (total - 1)),
  );
  const out: number[][] = [];
  let start = 0;
  for (const d of config.depths) {
    out.push(rates.slice(start, start + d));
    start += d;
  }
  return out;
}
