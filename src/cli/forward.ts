// `convnext forward`: the parity interface. Reads pixel_values (and labels) from a safetensors file,
// runs the model config.json names, writes every output under HF's names (timm's names for a timm checkpoint)
// as float32 safetensors.

import { writeFileAtomic, readBytes } from "../node/files.js";
import { parseSafetensors, rawToTensor, serializeSafetensors } from "../io/safetensors.js";
import type { Labels } from "../model/loss.js";
import { isFloatDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { CliError, MODEL_HELP, parseCommandLine, requireOption, type Command } from "./command.js";
import { loadModel, parseTask } from "./load-model.js";
import { applyRunOptions, describeBackend, RUN_HELP, RUN_OPTIONS } from "./run-options.js";

const help = `usage: convnext forward --model REF --input IN.safetensors --output OUT.safetensors [options]

Runs a ConvNeXT / ConvNeXT V2 checkpoint on pixel_values and writes every output, for parity checks
against transformers (PyTorch).

  --model REF          ${MODEL_HELP}
  --input FILE         safetensors with "pixel_values" (float NCHW) and optionally "labels"
                       (integer class ids -> cross-entropy; float -> BCE / MSE, as HF decides)
  --output FILE        safetensors to write (float32), written atomically
  --task TASK          base | classification | backbone (default: from config.json "architectures")
  --hidden-states      also write hidden_states.<i> (0 = embeddings output, i = stage i)
  --allow-missing-head accept a checkpoint without the classification head (initialised like HF)
  --out-indices LIST   write only the feature maps of these stages, e.g. 0,2,3: timm's features_only
                       out_indices for a timm checkpoint (0..3 = the stages, negative from the end), the
                       backbone's out_indices for an HF one (0 = the stem, i = stage i); write
                       negative ones as --out-indices=-1
${RUN_HELP}

Outputs, by task (HF names):
  classification   logits, loss (when labels are given), pooler_output, last_hidden_state, hidden_states.<i>
  base             last_hidden_state, pooler_output, hidden_states.<i>
  backbone         feature_maps.<i> (one per out_features entry, stage order), hidden_states.<i>
A timm checkpoint (config.json with "architecture") writes timm's names instead:
  logits (model(x)), features (forward_features), pre_logits (forward_head(pre_logits=True)), loss,
  hidden_states.<i>; with --out-indices, feature_maps.<i> (features_only=True, out_indices=...).`;

/** "0,2,3" -> [0, 2, 3]. */
export function parseOutIndices(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(",").map((s) => s.trim());
  if (list.some((s) => !/^-?\d+$/.test(s))) throw new CliError(`--out-indices must be comma-separated integers, got "${value}"`); // prettier-ignore
  return list.map(Number);
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, {
    model: { type: "string" },
    input: { type: "string" },
    output: { type: "string" },
    task: { type: "string" },
    "hidden-states": { type: "boolean", default: false },
    "allow-missing-head": { type: "boolean", default: false },
    "out-indices": { type: "string" },
    ...RUN_OPTIONS,
  });
  const modelRef = requireOption(values.model, "--model");
  const inputPath = requireOption(values.input, "--input");
  const outputPath = requireOption(values.output, "--output");
  const task = parseTask(values.task);
  const outIndices = parseOutIndices(values["out-indices"]);
  if (outIndices && task && task !== "backbone") throw new CliError(`--out-indices selects feature maps; it cannot be combined with --task ${task}`); // prettier-ignore
  const verbose = applyRunOptions(values);

  const input = parseSafetensors(await readBytes(inputPath), inputPath);
  const pixelRaw = input.tensors.get("pixel_values");
  if (!pixelRaw)
    throw new Error(`${inputPath}: no "pixel_values" tensor (found: ${[...input.tensors.keys()].join(", ")})`);
  if (!isFloatDType(pixelRaw.dtype))
    throw new Error(`${inputPath}: pixel_values must be a float tensor, got ${pixelRaw.dtype}`);
  const pixelValues = rawToTensor(pixelRaw);
  const labelsRaw = input.tensors.get("labels");
  let labels: Labels | undefined;
  if (labelsRaw) {
    const values = rawToTensor(labelsRaw);
    labels = isFloatDType(labelsRaw.dtype) ? values : Int32Array.from(values.data);
  }

  const { model } = await loadModel(modelRef, task, { allowMissingHead: values["allow-missing-head"], outIndices });
  let outputs: Map<string, Tensor>;
  const start = performance.now();
  try {
    // labels matter only to a classifier (its loss); the other models ignore them
    outputs = model.forwardNamed(pixelValues, { outputHiddenStates: values["hidden-states"], labels });
  } catch (e) {
    throw new Error(`${inputPath}: ${(e as Error).message}`);
  }
  if (model.config.timm) {
    // timm's outputs only: its features / pre_logits replace HF's last_hidden_state / pooler_output
    outputs.delete("last_hidden_state");
    outputs.delete("pooler_output");
  }
  if (verbose) {
    const n = pixelValues.shape[0];
    console.error(
      `forward: ${n} images, ${((performance.now() - start) / n).toFixed(1)} ms/image (${describeBackend()})`,
    );
  }
  await writeFileAtomic(outputPath, serializeSafetensors([...outputs], { format: "pt" }));
  console.error(`wrote ${[...outputs.keys()].join(", ")} to ${outputPath}`);
  return 0;
}

const command: Command = { help, run };
export default command;
