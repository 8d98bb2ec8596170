// The int8 checkpoint format. It follows compressed-tensors' "int-quantized" layout, the one the Hugging Face
// hub's W8A8 checkpoints use: every nn.Linear weight (the blocks' pwconv1 / pwconv2 and the classifier) is
// stored as `<module>.weight` (I8, [out, in]) with `<module>.weight_scale` (F32, [out, 1]); config.json says
// how they were made and how activations are quantized at run time:
//
//   "quantization_config": {
//     "quant_method": "compressed-tensors", "format": "int-quantized", "quantization_status": "compressed",
//     "config_groups": { "group_0": { "targets": ["Linear"],
//       "weights": { "num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel", "dynamic": false },
//       "input_activations": { "num_bits": 8, "type": "int", "symmetric": false, "strategy": "token", "dynamic": true } } },
//     "ignore": [] }
//
// The loader accepts exactly the scheme this engine computes (src/ops/quantize.ts; "token" is a pixel here)
// and names the field of anything else.

import type { RawTensor } from "../io/safetensors.js";
import type { Int8Values } from "../model/module.js";
import { decodeToFloat32, isFloatDType } from "../tensor/dtype.js";
import { formatShape, numel } from "../tensor/tensor.js";

const WEIGHTS = { num_bits: 8, type: "int", symmetric: true, strategy: "channel", dynamic: false };
const INPUT_ACTIVATIONS = { num_bits: 8, type: "int", symmetric: false, strategy: "token", dynamic: true };

/** The quantization_config `convnext convert --dtype int8` writes. */
export function int8QuantizationConfig(): Record<string, unknown> {
  return {
    quant_method: "compressed-tensors",
    format: "int-quantized",
    quantization_status: "compressed",
    config_groups: {
      group_0: { targets: ["Linear"], weights: { ...WEIGHTS }, input_activations: { ...INPUT_ACTIVATIONS } },
    },
    ignore: [],
  };
}

/**
 * Validates config.json's quantization_config (`where` names the file). Returns the module names left in
 * float (`ignore`), or null when there is no quantization_config.
 */
export function parseQuantizationConfig(value: unknown, where: string): { ignore: string[] } | null {
  if (value === undefined || value === null) return null;
  const fail = (message: string): never => {
    throw new Error(`${where}: quantization_config: ${message}`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v); // prettier-ignore
  if (!isObject(value)) fail("not a JSON object");
  const config = value as Record<string, unknown>;
  const expect = (field: string, wanted: unknown) => {
    if (config[field] !== wanted) fail(`"${field}" is ${JSON.stringify(config[field])}; this engine reads ${JSON.stringify(wanted)}`); // prettier-ignore
  };
  expect("quant_method", "compressed-tensors");
  expect("format", "int-quantized");
  if (config.quantization_status !== undefined) expect("quantization_status", "compressed");
  const groups = config.config_groups;
  if (!isObject(groups) || Object.keys(groups).length === 0) fail(`"config_groups" must be an object of groups`);
  for (const [name, group] of Object.entries(groups as Record<string, unknown>)) {
    const at = `config_groups.${name}`;
    if (!isObject(group)) fail(`"${at}" is not an object`);
    const g = group as Record<string, unknown>;
    if (JSON.stringify(g.targets) !== '["Linear"]') fail(`"${at}.targets" is ${JSON.stringify(g.targets)}; this engine quantizes ["Linear"] (pwconv1, pwconv2, classifier)`); // prettier-ignore
    for (const [field, wanted] of [
      ["weights", WEIGHTS],
      ["input_activations", INPUT_ACTIVATIONS],
    ] as const) {
      const args = g[field];
      if (!isObject(args)) fail(`"${at}.${field}" must be an object`);
      for (const [key, v] of Object.entries(wanted)) {
        const actual = (args as Record<string, unknown>)[key];
        if (actual !== v) fail(`"${at}.${field}.${key}" is ${JSON.stringify(actual)}; this engine computes ${JSON.stringify(v)} (per-channel symmetric int8 weights, per-pixel asymmetric 8-bit activations)`); // prettier-ignore
      }
    }
    for (const field of ["output_activations", "group_size"]) {
      if (g[field] !== undefined && g[field] !== null) fail(`"${at}.${field}" is not supported`);
    }
  }
  const ignore = config.ignore ?? [];
  if (!Array.isArray(ignore) || !ignore.every((v) => typeof v === "string")) fail(`"ignore" must be a list of module names`); // prettier-ignore
  return { ignore: ignore as string[] };
}

/**
 * Pairs each int8 `<name>.weight` tensor with its `<name>.weight_scale`: the int8 values view the file's bytes,
 * the scales are decoded to float32. Returns them by weight key; `rest` keeps every other tensor. Errors name
 * `where` (the checkpoint) and the tensor.
 */
export function pairInt8Tensors(
  tensors: ReadonlyMap<string, RawTensor>,
  where: string,
  quantized: boolean,
): { int8: Map<string, { shape: number[]; stored: Int8Values }>; rest: Map<string, RawTensor> } {
  const int8 = new Map<string, { shape: number[]; stored: Int8Values }>();
  const rest = new Map<string, RawTensor>();
  const scaleKeys = new Set<string>();
  for (const [key, raw] of tensors) {
    if (raw.dtype !== "I8") {
      if (key.endsWith(".weight_scale")) scaleKeys.add(key);
      else rest.set(key, raw);
      continue;
    }
    if (!quantized) throw new Error(`${where}: tensor "${key}" is int8 but config.json has no quantization_config`);
    if (!key.endsWith(".weight") || raw.shape.length !== 2) {
      throw new Error(`${where}: int8 tensor "${key}" ${formatShape(raw.shape)}: only 2-D nn.Linear weights ("<module>.weight") can be int8`); // prettier-ignore
    }
    const scaleKey = `${key}_scale`;
    const scale = tensors.get(scaleKey);
    if (!scale) throw new Error(`${where}: int8 tensor "${key}" has no "${scaleKey}"`);
    const [out] = raw.shape;
    const shapeOk = (scale.shape.length === 2 && scale.shape[1] === 1) || scale.shape.length === 1;
    if (!isFloatDType(scale.dtype) || !shapeOk || scale.shape[0] !== out) {
      throw new Error(`${where}: "${scaleKey}" is ${scale.dtype} ${formatShape(scale.shape)}; expected one float scale per output channel of "${key}", [${out}, 1]`); // prettier-ignore
    }
    const scales = decodeToFloat32(scale.bytes, scale.dtype, out);
    if (!scales.every((s) => Number.isFinite(s) && s >= 0)) throw new Error(`${where}: "${scaleKey}" holds a negative or non-finite scale`); // prettier-ignore
    const values = new Int8Array(raw.bytes.buffer, raw.bytes.byteOffset, numel(raw.shape));
    int8.set(key, { shape: raw.shape, stored: { dtype: "I8", values, scales } });
  }
  for (const key of scaleKeys) {
    if (!int8.has(key.slice(0, -"_scale".length))) {
      throw new Error(`${where}: "${key}" scales no int8 weight (there is no int8 "${key.slice(0, -"_scale".length)}")`); // prettier-ignore
    }
  }
  if (quantized && int8.size === 0) throw new Error(`${where}: config.json has a quantization_config but no tensor is int8`); // prettier-ignore
  return { int8, rest };
}
