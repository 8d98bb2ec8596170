// `convnext forward`: the parity interface. Reads pixel_values (and labels) from a safetensors file,
// runs the model config.json names, writes every output under HF's names as float32 safetensors.

import { writeFileAtomic, readBytes } from "../node/files.js";
import { parseSafetensors, rawToTensor, serializeSafetensors } from "../io/safetensors.js";
import type { Labels } from "../model/loss.js";
import { isFloatDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { MODEL_HELP, parseCommandLine, requireOption, type Command } from "./command.js";
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
${RUN_HELP}

Outputs, by task (HF names):
  classification   logits, loss (when labels are given), pooler_output, last_hidden_state, hidden_states.<i>
  base             last_hidden_state, pooler_output, hidden_states.<i>
  backbone         feature_maps.<i> (one per out_features entry, stage order), hidden_states.<i>`;

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, {
    model: { type: "string" },
    input: { type: "string" },
    output: { type: "string" },
    task: { type: "string" },
    "hidden-states": { type: "boolean", default: false },
    "allow-missing-head": { type: "boolean", default: false },
    ...RUN_OPTIONS,
  });
  const modelRef = requireOption(values.model, "--model");
  const inputPath = requireOption(values.input, "--input");
  const outputPath = requireOption(values.output, "--output");
  const task = parseTask(values.task);
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

  const { model } = await loadModel(modelRef, task, { allowMissingHead: values["allow-missing-head"] });
  let outputs: Map<string, Tensor>;
  const start = performance.now();
  try {
    // labels matter only to a classifier (its loss); the other models ignore them
    outputs = model.forwardNamed(pixelValues, { outputHiddenStates: values["hidden-states"], labels });
  } catch (e) {
    throw new Error(`${inputPath}: ${(e as Error).message}`);
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
