// The one place that maps checkpoint key names to module key names.
// PyTorch checkpoints: transformers' base-model prefix rule (`convnext.` / `convnextv2.`), so a base-model
// checkpoint loads into a task model and a task checkpoint into the base model or the backbone.

/**
 * Renames checkpoint keys to the model's key names, following `from_pretrained`:
 * - the checkpoint has the prefix and the model does not (ConvNextModel / ConvNextBackbone loading a
 *   classifier checkpoint): strip it from the keys that carry it;
 * - the model has the prefix and the checkpoint does not (a classifier loading a base-model checkpoint):
 *   add it to every key the model knows only with the prefix.
 * Returns checkpoint key -> model key.
 */
export function alignPrefix(checkpointKeys: Iterable<string>, modelKeys: ReadonlySet<string>, prefix: string): Map<string, string> {
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

/**
 * TensorFlow checkpoints (tf_model.h5, safetensors with {"format": "tf"}): TF names -> PyTorch names,
 * with kernels transposed to PyTorch layouts. Filled in with the TF loader; identity until then.
 */
export function mapTfCheckpoint<T>(tensors: Map<string, T>): Map<string, T> {
  throw new Error(`TensorFlow-named checkpoints are not supported yet (${tensors.size} tensors)`);
}
