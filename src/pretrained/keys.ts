// The one place that maps checkpoint key names to module key names.
// PyTorch checkpoints: transformers' base-model prefix rule (`convnext.` / `convnextv2.`), so a base-model
// checkpoint loads into a task model and a task checkpoint into the base model or the backbone.
// timm checkpoints: timm's state_dict names and shapes (docs/TIMM-REFERENCE.md §1, and the options of §2).
// TensorFlow checkpoints: TF variable names and kernel layouts (section at the end; docs/REFERENCE.md §3).

import type { TimmOptions } from "../model/timm-options.js";
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

// ---- timm checkpoints (timm/models/convnext.py state_dict) ----

/**
 * A timm key -> the key of the same parameter in the module tree (classification model, `P` = its prefix):
 *   stem.0 / stem.1 (patch stem)            P.embeddings.patch_embeddings / P.embeddings.layernorm
 *   stem.0, stem.1|2, stem.2|3 (overlap)    P.embeddings.conv1, .conv2, .layernorm (stem.1 is the act of overlap_act)
 *   stages.i.downsample.{0,1}               P.encoder.stages.i.downsampling_layer.{0,1}
 *   stages.i.blocks.j.{gamma, conv_dw, norm, mlp.fc1, mlp.grn, mlp.fc2}
 *                                           P.encoder.stages.i.layers.j.{layer_scale_parameter, dwconv,
 *                                           layernorm, pwconv1, grn, pwconv2}
 *   head.norm (or norm_pre, head_norm_first) P.layernorm
 *   head.pre_logits.fc                      pre_logits
 *   head.fc                                 classifier
 * Keys that match none of these are returned unchanged (and reported as unexpected by the loader).
 */
export function timmToModelKey(key: string, timm: TimmOptions, prefix: string): string {
  const P = `${prefix}.`;
  const stem = timm.stemType === "patch" ? ["patch_embeddings", "layernorm"] : timm.stemType === "overlap_act" ? ["conv1", null, "conv2", "layernorm"] : ["conv1", "conv2", "layernorm"]; // prettier-ignore
  let m = /^stem\.(\d+)\.(.+)$/.exec(key);
  if (m) return stem[Number(m[1])] ? `${P}embeddings.${stem[Number(m[1])]}.${m[2]}` : key;
  m = /^stages\.(\d+)\.downsample\.([01])\.(.+)$/.exec(key);
  if (m) return `${P}encoder.stages.${m[1]}.downsampling_layer.${m[2]}.${m[3]}`;
  m = /^stages\.(\d+)\.blocks\.(\d+)\.(.+)$/.exec(key);
  if (m) {
    const part = BLOCK_PARTS.find(([t]) => m![3] === t || m![3].startsWith(`${t}.`));
    return part ? `${P}encoder.stages.${m[1]}.layers.${m[2]}.${part[1]}${m[3].slice(part[0].length)}` : key;
  }
  m = /^(?:head\.norm|norm_pre)\.(.+)$/.exec(key);
  if (m) return `${P}layernorm.${m[1]}`;
  if (key.startsWith("head.pre_logits.fc.")) return `pre_logits.${key.slice("head.pre_logits.fc.".length)}`;
  if (key.startsWith("head.fc.")) return `classifier.${key.slice("head.fc.".length)}`;
  return key;
}

const BLOCK_PARTS: ReadonlyArray<readonly [string, string]> = [
  ["gamma", "layer_scale_parameter"],
  ["conv_dw", "dwconv"],
  ["norm", "layernorm"],
  ["mlp.fc1", "pwconv1"],
  ["mlp.grn", "grn"],
  ["mlp.fc2", "pwconv2"],
];

/**
 * Renames a timm state_dict to module keys and brings the two layouts that differ to HF's shapes (views, no
 * copy): conv_mlp's 1x1-conv MLP weights [out, in, 1, 1] -> [out, in]; GRN weight and bias [C] -> [1, 1, 1, C].
 */
export function mapTimmCheckpoint<T extends { readonly shape: readonly number[] }>(
  tensors: ReadonlyMap<string, T>,
  timm: TimmOptions,
  prefix: string,
): Map<string, T> {
  // a Tensor gets a new shape over the same data; a tensor kept 16-bit or int8 (load-weights.ts) the same
  const reshaped = (t: T, shape: number[]): T =>
    (t instanceof Tensor ? new Tensor(t.data, shape) : { ...t, shape }) as unknown as T;
  const out = new Map<string, T>();
  const from = new Map<string, string>();
  for (const [key, tensor] of tensors) {
    const name = timmToModelKey(key, timm, prefix);
    if (from.has(name)) throw new Error(`timm weights "${from.get(name)}" and "${key}" both map to "${name}"`);
    from.set(name, key);
    const s = tensor.shape;
    let shaped = tensor;
    if (/\.pwconv[12]\.weight$/.test(name) && s.length === 4 && s[2] === 1 && s[3] === 1) {
      shaped = reshaped(tensor, [s[0], s[1]]);
    } else if (/\.grn\.(weight|bias)$/.test(name) && s.length === 1) {
      shaped = reshaped(tensor, [1, 1, 1, s[0]]);
    }
    out.set(name, shaped);
  }
  return out;
}

/** Keys of the task heads, which a checkpoint for another task may carry or lack (after prefix alignment). */
export function headOf(modelKey: string, prefix: string): "classifier" | "pooler" | "backbone-norms" | null {
  const k = modelKey.startsWith(prefix + ".") ? modelKey.slice(prefix.length + 1) : modelKey;
  if (k.startsWith("classifier.") || k.startsWith("pre_logits.")) return "classifier";
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
