// The one place that maps checkpoint key names to module key names.
// PyTorch checkpoints: transformers' base-model prefix rule (`convnext.` / `convnextv2.`), so a base-model
// checkpoint loads into a task model and a task checkpoint into the base model or the backbone.
// TensorFlow checkpoints: TF variable names and kernel layouts (section at the end; docs/REFERENCE.md §3).

import { Tensor } from "../tensor/tensor.js";

/**
 * Renames checkpoint keys to the model's key names, following `from_pretrained`:
 * - the checkpoint has the prefix and the model does not (ConvNextModel / ConvNextBackbone loading a
 *   classifier checkpoint): strip it from the keys that carry it;
 * - the model has the prefix and the checkpoint does not (a classifier loading a base-model checkpoint):
 *   add it to every key the model knows only with the prefix.
 * Returns checkpoint key -> model key.
 */
export function alignPrefix(
  checkpointKeys: Iterable<string>,
  modelKeys: ReadonlySet<string>,
  prefix: string,
): Map<string, string> {
  const keys = [...checkpointKeys];
  const dotted = prefix + ".";
  const checkpointHasPrefix = keys.some((k) => k.startsWith(dotted));
  const modelHasPrefix = [...modelKeys].some((k) => k.startsWith(dotted));
  const renamed = new Map<string, string>();
  for (const key of keys) {
    let name = key;
    if (checkpointHasPrefix && !modelHasPrefix && key.startsWith(dotted)) name = key.slice(dotted.length);
    else if (!checkpointHasPrefix && modelHasPrefix && modelKeys.has(dotted + key)) name = dotted + key;
    renamed.set(key, name);
  }
  return renamed;
}

/** Keys of the task heads, which a checkpoint for another task may carry or lack (after prefix alignment). */
export function headOf(modelKey: string, prefix: string): "classifier" | "pooler" | "backbone-norms" | null {
  const k = modelKey.startsWith(prefix + ".") ? modelKey.slice(prefix.length + 1) : modelKey;
  if (k.startsWith("classifier.")) return "classifier";
  if (k.startsWith("layernorm.")) return "pooler";
  if (k.startsWith("hidden_states_norms.")) return "backbone-norms";
  return null;
}

// ---- TensorFlow checkpoints (tf_model.h5, safetensors with {"format": "tf"}) ----
// What HF's convert_tf_weight_name_to_pt_weight_name + apply_transpose do (formats/H5-LAYOUT.md): keys arrive
// without the Keras model-name component, e.g. `convnext/encoder/stages.0/layers.0/dwconv/kernel:0`.

/** A TF variable name -> its PyTorch key, and whether its kernel must be transposed. */
export function tfToPtName(tfName: string): { key: string; kernel: boolean } {
  const parts = tfName.replace(/:\d+$/, "").split("/");
  const last = parts[parts.length - 1];
  const kernel = last === "kernel";
  if (kernel || last === "gamma") parts[parts.length - 1] = "weight";
  else if (last === "beta") parts[parts.length - 1] = "bias";
  return { key: parts.join("."), kernel };
}

/** TF kernel layouts -> PyTorch: Conv2D [kh, kw, in, out] -> [out, in, kh, kw]; Dense [in, out] -> [out, in]. */
export function tfKernelToPt(kernel: Tensor, name: string): Tensor {
  const s = kernel.shape;
  const x = kernel.data;
  if (s.length === 2) {
    const [cin, cout] = s;
    const out = new Float32Array(x.length);
    for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) out[o * cin + i] = x[i * cout + o];
    return new Tensor(out, [cout, cin]);
  }
  if (s.length === 4) {
    const [kh, kw, cin, cout] = s;
    const out = new Float32Array(x.length);
    for (let h = 0; h < kh; h++)
      for (let w = 0; w < kw; w++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++)
            out[((o * cin + i) * kh + h) * kw + w] = x[((h * kw + w) * cin + i) * cout + o];
    return new Tensor(out, [cout, cin, kh, kw]);
  }
  throw new Error(`TF kernel "${name}" has shape [${s.join(", ")}]; expected a 2-D Dense or 4-D Conv2D kernel`);
}

/** Renames (and transposes) every tensor of a TF-named checkpoint to PyTorch keys and layouts. */
export function mapTfCheckpoint(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const from = new Map<string, string>();
  for (const [tfName, tensor] of tensors) {
    const { key, kernel } = tfToPtName(tfName);
    if (from.has(key)) throw new Error(`TF weights "${from.get(key)}" and "${tfName}" both map to "${key}"`);
    from.set(key, tfName);
    out.set(key, kernel ? tfKernelToPt(tensor, tfName) : tensor);
  }
  return out;
}
