// The dtypes a model's weights can be held in, and the conversions between them (fromPretrained's `dtype`
// option, `convnext convert --dtype`): float32; float16 or bfloat16 for every parameter (as torch's .half() /
// .bfloat16(), rounding to nearest even); int8 for the nn.Linear weights (the blocks' pwconv1 / pwconv2 and
// the classifier: per-output-channel symmetric, src/ops/quantize.ts) with everything else float32.

import type { RawTensor } from "../io/safetensors.js";
import type { Module, Parameter } from "../model/module.js";
import { Linear } from "../model/nn.js";
import { quantizeWeights } from "../ops/quantize.js";
import { narrow16 } from "../tensor/narrow16.js";
import type { WeightDType } from "./load-weights.js";

export { WEIGHT_DTYPES, type WeightDType } from "./load-weights.js";

/** The nn.Linear weights of a model by state_dict name: what int8 quantizes. */
export function linearWeights(model: Module): Map<string, Parameter> {
  const names = new Map(model.namedParameters().map(([name, p]) => [p, name]));
  const out = new Map<string, Parameter>();
  for (const [, m] of model.namedModules()) if (m instanceof Linear) out.set(names.get(m.weight)!, m.weight);
  return out;
}

/** Converts every parameter of `model` to `dtype` in place (parameters already in it are left alone). */
export function convertWeights(model: Module, dtype: WeightDType): void {
  const linear = new Set(linearWeights(model).values());
  for (const [name, p] of model.namedParameters()) {
    if (!p.stored && p.data.length === 0) continue; // not loaded
    if (dtype === "int8" && linear.has(p)) {
      if (p.dtype === "I8") continue;
      const [rows] = p.shape;
      try {
        p.assign({ dtype: "I8", ...quantizeWeights(p.float32(), rows, p.size / rows) });
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    } else if (dtype === "f16" || dtype === "bf16") {
      const target = dtype === "f16" ? "F16" : "BF16";
      if (p.dtype !== target) p.assign({ dtype: target, bits: narrow16(p.float32(), target) });
    } else if (p.dtype !== "F32") {
      p.assign(p.float32()); // f32, and int8's other parameters
    }
  }
}

/**
 * A model's parameters as checkpoint tensors, in state_dict order, each in its dtype (F32, F16, BF16; int8
 * weights as `<name>` I8 and `<name>_scale` F32 [out, 1], quantization-config.ts): what convert writes.
 */
export function weightTensors(model: Module): Array<[string, RawTensor]> {
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out: Array<[string, RawTensor]> = [];
  for (const [name, p] of model.namedParameters()) {
    const shape = [...p.shape];
    const s = p.stored;
    if (!s) out.push([name, { dtype: "F32", shape, bytes: bytes(p.data) }]);
    else if (s.dtype !== "I8") out.push([name, { dtype: s.dtype, shape, bytes: bytes(s.bits) }]);
    else {
      out.push([name, { dtype: "I8", shape, bytes: bytes(s.values) }]);
      out.push([`${name}_scale`, { dtype: "F32", shape: [shape[0], 1], bytes: bytes(s.scales) }]);
    }
  }
  return out;
}
