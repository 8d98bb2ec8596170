// A checkpoint's tensors as parameter values when some stay 16-bit or int8 (fromPretrained's dtype "auto" or a
// 16-bit dtype on a 16-bit checkpoint, an int8 checkpoint): loaded on demand, so a page loading float32 weights
// does not carry it (those are decoded by checkpoint.ts's checkpointTensors).

import { rawToTensor, type RawTensor } from "../io/safetensors.js";
import type { ConvNextConfig } from "../model/config.js";
import { basePrefix } from "../model/convnext-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkpointTensors, namingFile, type Checkpoint } from "./checkpoint.js";
import { mapTimmCheckpoint } from "./keys.js";
import type { StoredTensor } from "./load-weights.js";

/**
 * The checkpoint's tensors as parameter values under PyTorch names (a timm checkpoint's, for a `config` from a
 * timm config.json, under the module tree's names): int8 weights paired with their scales (`quantized`:
 * config.json has a quantization_config), F16 / BF16 kept 16-bit when `keep16`, the rest decoded to float32.
 * `where` names the checkpoint in errors. The int8 format's reader (quantization-config.ts) is loaded only for
 * a checkpoint that has something of it: a quantization_config, an int8 tensor or a `weight_scale`.
 */
export async function checkpointWeights(
  checkpoint: Checkpoint,
  quantized: boolean,
  keep16: boolean,
  where: string,
  config?: ConvNextConfig,
): Promise<Map<string, Tensor | StoredTensor>> {
  if (checkpoint.layout === "tf") {
    if (quantized) throw new Error(`${where}: a quantization_config with TensorFlow weights is not supported`);
    return namingFile(where, () => checkpointTensors(checkpoint)); // 16-bit TF weights are upcast: their kernels are transposed anyway
  }
  const int8Format = quantized || [...checkpoint.tensors].some(([k, t]) => t.dtype === "I8" || k.endsWith(".weight_scale")); // prettier-ignore
  const { int8, rest } = int8Format
    ? (await import("./quantization-config.js")).pairInt8Tensors(checkpoint.tensors, where, quantized)
    : { int8: [], rest: checkpoint.tensors };
  const out = new Map<string, Tensor | StoredTensor>(int8);
  for (const [key, raw] of rest) {
    const dtype = raw.dtype;
    if (keep16 && (dtype === "F16" || dtype === "BF16"))
      out.set(key, { shape: raw.shape, stored: { dtype, bits: uint16Of(raw) } }); // prettier-ignore
    else out.set(key, rawToTensor(raw));
  }
  return config?.timm ? namingFile(where, () => mapTimmCheckpoint(out, config.timm!, basePrefix(config))) : out;
}

/** A 16-bit tensor's elements: a view of the file's bytes when 2-byte aligned, else a copy. */
function uint16Of(raw: RawTensor): Uint16Array {
  const { bytes } = raw;
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  return new Uint16Array(bytes.slice().buffer);
}
