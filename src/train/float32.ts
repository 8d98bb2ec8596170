// Training computes with and updates Parameter.data as float32. A model whose weights are held in 16 bits or
// as int8 (fromPretrained's dtype option, an int8 checkpoint) has no float32 data for them: it is refused
// here, naming the parameter, before anything reads it.

import type { Parameter } from "../model/module.js";

/**
 * Throws unless every parameter holds float32 values. `what` names the caller in the message ("gradients",
 * "AdamW", ...).
 */
export function requireFloat32Parameters(params: Iterable<[string, Parameter]>, what: string): void {
  for (const [name, p] of params) {
    if (p.dtype === "F32") continue;
    const held = p.dtype === "I8" ? "int8 (a quantized weight)" : `${p.dtype === "F16" ? "float16" : "bfloat16"} (16-bit)`; // prettier-ignore
    throw new Error(
      `${what}: training needs float32 parameters, but "${name}" is held as ${held}; load the model with ` +
        `dtype "f32" (fromPretrained(ref, { dtype: "f32" })) or convert it with convertWeights(model, "f32")` +
        (p.dtype === "I8" ? " (which dequantizes the int8 weights)" : ""),
    );
  }
}
