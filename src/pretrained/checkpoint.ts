// Finds and reads a model's weights, in transformers' order of preference: safetensors first (single
// file, then sharded via model.safetensors.index.json), then the other formats. Returns raw tensors
// under the file's own key names; decoding and key mapping happen in one place afterwards (checkpointTensors
// below, or checkpoint-weights.ts for tensors kept 16-bit or int8).

import { quoted } from "../io/quote.js";
import { parseSafetensors, rawToTensor, type RawTensor } from "../io/safetensors.js";
import type { ConvNextConfig } from "../model/config.js";
import { basePrefix } from "../model/convnext-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { firstFew } from "./key-list.js";
import { mapTfCheckpoint, mapTimmCheckpoint } from "./keys.js";
import { parseJson, type ModelFiles } from "./model-files.js";

export interface Checkpoint {
  tensors: Map<string, RawTensor>;
  /** The files read, in order. */
  files: string[];
  /** Which format they were in, e.g. "safetensors", "safetensors (sharded)". */
  format: string;
  /** Key layout: "pt" (PyTorch names) or "tf" (TensorFlow names, to be mapped). */
  layout: "pt" | "tf";
}

interface CheckpointFormat {
  file: string;
  format: string;
  read(files: ModelFiles, bytes: Uint8Array): Promise<Checkpoint>;
  /** Whether its bytes are used where they lie (safetensors), so reading them into the kernels' memory pays. */
  inPlace?: boolean;
}

/** Candidates in the order `from_pretrained` tries them. */
const FORMATS: CheckpointFormat[] = [
  {
    file: "model.safetensors",
    format: "safetensors",
    inPlace: true,
    read: async (files, bytes) => safetensorsCheckpoint([["model.safetensors", bytes]], files, "safetensors"),
  },
  {
    file: "model.safetensors.index.json",
    format: "safetensors (sharded)",
    read: async (files, bytes) => {
      const index = "model.safetensors.index.json";
      const { shards, weightMap } = await readShards(files, index, bytes);
      const checkpoint = safetensorsCheckpoint(shards, files, "safetensors (sharded)");
      checkWeightMap(weightMap, checkpoint.tensors, files.describe(index));
      return { ...checkpoint, files: [index, ...checkpoint.files] };
    },
  },
  // Formats read at the edge (src/io/torch-bin.ts, src/io/tf-h5.ts), imported only when met.
  {
    file: "pytorch_model.bin",
    format: "pytorch_model.bin",
    read: async (files, bytes) => {
      const { readTorchBin } = await import("../io/torch-bin.js");
      const tensors = await readTorchBin(bytes, files.describe("pytorch_model.bin"));
      return { tensors, files: ["pytorch_model.bin"], format: "pytorch_model.bin", layout: "pt" };
    },
  },
  {
    file: "pytorch_model.bin.index.json",
    format: "pytorch_model.bin (sharded)",
    read: async (files, bytes) => {
      const index = "pytorch_model.bin.index.json";
      const { readTorchBin } = await import("../io/torch-bin.js");
      const { shards, weightMap } = await readShards(files, index, bytes);
      const tensors = new Map<string, RawTensor>();
      for (const [file, shard] of shards)
        mergeShard(tensors, await readTorchBin(shard, files.describe(file)), files.describe(file));
      checkWeightMap(weightMap, tensors, files.describe(index));
      return {
        tensors,
        files: [index, ...shards.map(([f]) => f)],
        format: "pytorch_model.bin (sharded)",
        layout: "pt",
      };
    },
  },
  {
    file: "tf_model.h5",
    format: "tf_model.h5",
    read: async (files, bytes) => {
      const { readTfH5 } = await import("../io/tf-h5.js");
      const tensors = await readTfH5(bytes, files.describe("tf_model.h5"));
      return { tensors, files: ["tf_model.h5"], format: "tf_model.h5", layout: "tf" };
    },
  },
];

/**
 * Reads the first format present. `allocate`, when given (and the files support it), provides the memory a
 * single-file safetensors checkpoint is read into (the kernels' heap: its tensors are then used in place).
 */
export async function readCheckpoint(files: ModelFiles, allocate?: (bytes: number) => Uint8Array): Promise<Checkpoint> {
  for (const candidate of FORMATS) {
    const into = candidate.inPlace && allocate && files.readInto;
    const bytes = into ? await files.readInto!(candidate.file, allocate) : await files.read(candidate.file);
    if (bytes) return candidate.read(files, bytes);
  }
  throw new Error(`${files.name}: no weights found (looked for ${FORMATS.map((f) => f.file).join(", ")})`);
}

function safetensorsCheckpoint(shards: Array<[string, Uint8Array]>, files: ModelFiles, format: string): Checkpoint {
  const tensors = new Map<string, RawTensor>();
  let layout: "pt" | "tf" = "pt";
  for (const [file, bytes] of shards) {
    const parsed = parseSafetensors(bytes, files.describe(file));
    if (parsed.metadata.format === "tf") layout = "tf";
    mergeShard(tensors, parsed.tensors, files.describe(file));
  }
  return { tensors, files: shards.map(([f]) => f), format, layout };
}

/** Most shard files one index may name (each is a file read, or a hub request); published checkpoints have < 200. */
export const MAX_SHARDS = 1000;

/** Adds one shard's tensors, refusing a key that two shards both define. */
export function mergeShard(into: Map<string, RawTensor>, shard: Map<string, RawTensor>, source: string): void {
  for (const [key, t] of shard) {
    if (into.has(key)) throw new Error(`${source}: tensor ${quoted(key)} is also defined in an earlier shard`);
    into.set(key, t);
  }
}

/**
 * Reads a sharded checkpoint's index ({"weight_map": {key: file}}) and the shard files it names.
 * Returns [file, bytes] per shard; the shard names are checked to stay inside the model directory.
 */
export async function readShards(
  files: ModelFiles,
  indexFile: string,
  indexBytes: Uint8Array,
): Promise<{ shards: Array<[string, Uint8Array]>; weightMap: Record<string, string> }> {
  const where = files.describe(indexFile);
  const index = parseJson(indexBytes, where);
  const weightMap = (index as { weight_map?: unknown })?.weight_map;
  if (typeof weightMap !== "object" || weightMap === null || Array.isArray(weightMap)) {
    throw new Error(`${where}: no "weight_map" object`);
  }
  const shardNames = [...new Set(Object.values(weightMap as Record<string, unknown>))];
  if (shardNames.length > MAX_SHARDS)
    throw new Error(`${where}: ${shardNames.length} shard files, above the limit of ${MAX_SHARDS}`);
  const out: Array<[string, Uint8Array]> = [];
  for (const name of shardNames) {
    if (typeof name !== "string" || name === "" || name.includes("/") || name.includes("\\") || name.startsWith(".")) {
      throw new Error(`${where}: invalid shard file name ${quoted(name)}`);
    }
    const bytes = await files.read(name);
    if (!bytes) throw new Error(`${where}: shard ${name} is missing (${files.describe(name)})`);
    out.push([name, bytes]);
  }
  return { shards: out, weightMap: weightMap as Record<string, string> };
}

/** Every key of the index must come from the shard it names (checked after the shards are parsed). */
export function checkWeightMap(
  weightMap: Record<string, string>,
  tensors: ReadonlyMap<string, RawTensor>,
  where: string,
): void {
  const missing = Object.keys(weightMap).filter((k) => !tensors.has(k));
  if (missing.length)
    throw new Error(`${where}: keys listed in the index but absent from the shards: ${firstFew(missing).join(", ")}`);
}

/**
 * Decodes every tensor to float32 (F16/BF16 upcast once, as from_pretrained does) under PyTorch names; a timm
 * checkpoint (for a `config` from a timm config.json) under the module tree's names.
 */
export function checkpointTensors(checkpoint: Checkpoint, config?: ConvNextConfig): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [key, raw] of checkpoint.tensors) tensors.set(key, rawToTensor(raw));
  if (checkpoint.layout === "tf") return mapTfCheckpoint(tensors);
  return config?.timm ? mapTimmCheckpoint(tensors, config.timm, basePrefix(config)) : tensors;
}

/** Runs a key mapping (keys.ts), whose errors name tensors but no file, with `where` prefixed to them. */
export function namingFile<T>(where: string, map: () => T): T {
  try {
    return map();
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}
