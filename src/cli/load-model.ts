// Shared by the commands that take --model: a directory or a hub id (resolved through the HF cache),
// loaded in whatever format it has into the model class config.json names (or --task).

import { resolveModel, type ResolvedModel } from "../node/hub.js";
import { loadPretrainedModel, type PretrainedModel, type Task } from "../pretrained/models.js";
import type { LoadWeightsOptions } from "../pretrained/load-weights.js";
import { CliError } from "./command.js";

export interface LoadedModel extends PretrainedModel {
  files: ResolvedModel;
}

export function parseTask(value: string | undefined): Task | undefined {
  if (value !== undefined && !["base", "classification", "backbone"].includes(value)) {
    throw new CliError(`--task must be base, classification or backbone, got "${value}"`);
  }
  return value as Task | undefined;
}

/**
 * Loads REF. Weights stay in their checkpoint's dtype ("auto": 16-bit ones are widened exactly as the kernels
 * read them, so the results are those of the float32 model, in half the memory) unless `dtype` asks otherwise.
 */
export async function loadModel(
  ref: string,
  task?: Task,
  options: { allowMissingHead?: boolean; outIndices?: number[]; dtype?: LoadWeightsOptions["dtype"] } = {},
): Promise<LoadedModel> {
  const files = await resolveModel(ref);
  const loaded = await loadPretrainedModel(files, {
    task,
    allowMissingHead: options.allowMissingHead,
    outIndices: options.outIndices,
    dtype: options.dtype ?? "auto",
    onWarning: (m) => console.error(`warning: ${m}`),
  });
  return { ...loaded, files };
}
