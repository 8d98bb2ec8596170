// Shared by the commands that take --model: a directory or a hub id (resolved through the HF cache),
// loaded in whatever format it has into the model class config.json names (or --task).

import { resolveModel, type ResolvedModel } from "../node/hub.js";
import { loadPretrainedModel, type PretrainedModel, type Task } from "../pretrained/models.js";
import type { LoadWeightsOptions } from "../pretrained/load-weights.js";
import type { Module } from "../model/module.js";
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

export interface LoadModelOptions {
  allowMissingHead?: boolean;
  outIndices?: number[];
  dtype?: LoadWeightsOptions["dtype"];
  /**
   * For grad / train / explain, which compute with float32 parameters: 16-bit weights upcast once (as
   * transformers' from_pretrained does), and an int8 checkpoint refused with the command that converts it.
   */
  training?: boolean;
}

/**
 * Loads REF. Weights stay in their checkpoint's dtype ("auto": 16-bit ones are widened exactly as the kernels
 * read them, so the results are those of the float32 model, in half the memory) unless `dtype` asks otherwise.
 */
export async function loadModel(ref: string, task?: Task, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const files = await resolveModel(ref);
  const loaded = await loadPretrainedModel(files, {
    task,
    allowMissingHead: options.allowMissingHead,
    outIndices: options.outIndices,
    dtype: options.training ? undefined : (options.dtype ?? "auto"),
    onWarning: (m) => console.error(`warning: ${m}`),
  });
  if (options.training) requireFloat32Weights(loaded.model, ref);
  return { ...loaded, files };
}

/** Refuses a model whose weights are not float32 (an int8 checkpoint), naming the parameter and the fix. */
export function requireFloat32Weights(model: Module, ref: string): void {
  const held = model.namedParameters().find(([, p]) => p.dtype !== "F32");
  if (held) throw notFloat32(ref, held[0], held[1].dtype);
}

/** The error for a weight `name` of REF held as `dtype` where float32 is needed (grad, train, explain). */
export function notFloat32(ref: string, name: string, dtype: string): Error {
  return new Error(
    `${ref}: "${name}" is held as ${dtype === "I8" ? "int8 (a quantized checkpoint)" : dtype}, and gradients and ` +
      `training need float32 weights; convert it first: convnext convert --model ${ref} --output DIR --dtype f32`,
  );
}
