// save_pretrained for a trained classifier: config.json, model.safetensors (the state_dict, float32, in
// PyTorch's key order with {"format": "pt"}, as transformers writes it) and any further files, each written
// atomically into DIR (created if needed), so a checkpoint is either the old one or the new one.

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { serializeSafetensors } from "../io/safetensors.js";
import type { ConvNextPreTrainedModel } from "../model/pretrained-model.js";
import { Tensor } from "../tensor/tensor.js";
import { writeFileAtomic } from "./files.js";

/** The config.json of `model` as transformers would write it (its own fields plus the raw ones it keeps). */
export function configJson(model: ConvNextPreTrainedModel, architecture: string): Record<string, unknown> {
  const c = model.config;
  const { num_labels: _dropped, ...raw } = c.raw; // transformers writes id2label / label2id, not num_labels
  return {
    ...raw,
    architectures: [architecture],
    model_type: c.modelType,
    id2label: Object.fromEntries(Object.entries(c.id2label).map(([i, l]) => [String(i), l])),
    label2id: c.label2id,
    ...(c.problemType ? { problem_type: c.problemType } : {}),
    torch_dtype: "float32",
  };
}

export async function savePretrained(
  dir: string,
  model: ConvNextPreTrainedModel,
  architecture: string,
  extra: Record<string, Uint8Array | string> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const state = model.namedParameters().map(([name, p]) => [name, new Tensor(p.data, p.shape)] as [string, Tensor]);
  await writeFileAtomic(join(dir, "model.safetensors"), serializeSafetensors(state, { format: "pt" }));
  await writeFileAtomic(join(dir, "config.json"), JSON.stringify(configJson(model, architecture), null, 2) + "\n");
  for (const [file, data] of Object.entries(extra)) await writeFileAtomic(join(dir, file), data);
}
