// Shared by `convert` and `info`: resolve a model reference (directory or hub id), read its config and
// weights in whatever format it has, and load them strictly into the model class config.json names.

import { readCheckpoint, type Checkpoint } from "../io/checkpoint.js";
import { resolveModel, type ResolvedModel } from "../io/hub.js";
import type { ConvNextConfig } from "../model/config.js";
import { loadWeights } from "../model/load-weights.js";
import {
  checkpointTensors,
  createModel,
  readConfig,
  taskFromConfig,
  type ConvNextAnyModel,
  type Task,
} from "../model/pretrained.js";
import { CliError } from "./command.js";

export interface LoadedModel {
  files: ResolvedModel;
  config: ConvNextConfig;
  checkpoint: Checkpoint;
  model: ConvNextAnyModel;
  task: Task;
}

export function parseTask(value: string | undefined): Task | undefined {
  if (value !== undefined && !["base", "classification", "backbone"].includes(value)) {
    throw new CliError(`--task must be base, classification or backbone, got "${value}"`);
  }
  return value as Task | undefined;
}

export async function loadModel(ref: string, task?: Task): Promise<LoadedModel> {
  const files = await resolveModel(ref);
  const config = await readConfig(files);
  const checkpoint = await readCheckpoint(files);
  const chosen = task ?? taskFromConfig(config);
  const model = createModel(config, chosen);
  loadWeights(model, checkpointTensors(checkpoint), {
    onWarning: (m) => console.error(`warning: ${m}`),
    source: checkpoint.files.map((f) => files.describe(f)).join(", "),
  });
  return { files, config, checkpoint, model, task: chosen };
}
