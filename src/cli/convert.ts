// `convnext convert`: any supported checkpoint (safetensors, pytorch_model.bin, sharded, tf_model.h5,
// a hub id, a timm checkpoint) -> a clean model directory: float32 model.safetensors under the PyTorch key names
// of the model class, plus config.json (and preprocessor_config.json). A timm checkpoint becomes a transformers
// one where transformers can express it; otherwise the error names the options that prevent it. The directory
// appears complete or not at all.

import { mkdir, rename, rm, stat, writeFile, readdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { parseSafetensors, serializeSafetensors } from "../io/safetensors.js";
import { describeFsError } from "../node/files.js";
import { Tensor } from "../tensor/tensor.js";
import { CliError, MODEL_HELP, parseCommandLine, requireOption, type Command } from "./command.js";
import { loadModel, parseTask } from "./load-model.js";
import { resolveDataConfig } from "../preprocess/timm-transform.js";
import { hfBlockers, hfConfigJson, hfPreprocessorJson, parseTimmConfig } from "../pretrained/timm-config.js";

const help = `usage: convnext convert --model REF --output DIR [--task TASK] [--overwrite]

Reads a ConvNeXT / ConvNeXT V2 checkpoint in any supported format and writes DIR with
  model.safetensors          float32, PyTorch key names of the model class (metadata format "pt")
  config.json                copied as is
  preprocessor_config.json   copied when the model has one

A timm checkpoint (config.json with "architecture") is written in transformers' format: HF key names,
an HF config.json, and the preprocessor_config.json closest to timm's transform (the differences are
printed). Options transformers cannot express (overlap stems, kernel_sizes, conv_bias=False,
head_norm_first, head_hidden_size, other norms or eps, patch_size 2, ...) stop it with their names.

  --model REF     ${MODEL_HELP}
  --output DIR    the directory to create; written to a temporary directory and renamed into place
  --task TASK     base | classification | backbone (default: from config.json "architectures")
  --overwrite     replace DIR if it already exists`;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, {
    model: { type: "string" },
    output: { type: "string" },
    task: { type: "string" },
    overwrite: { type: "boolean", default: false },
  });
  const ref = requireOption(values.model, "--model");
  const output = resolve(requireOption(values.output, "--output"));
  const task = parseTask(values.task);
  if ((await exists(output)) && !values.overwrite && (await readdir(output).catch(() => ["(a file)"])).length > 0) {
    throw new CliError(`${output} already exists; pass --overwrite to replace it`, 1);
  }

  const { files, checkpoint, model, config: modelConfig, task: builtTask } = await loadModel(ref, task);
  let timmFiles: { config: Uint8Array; preprocessor: Uint8Array } | null = null;
  if (modelConfig.timm) {
    const blockers = hfBlockers(modelConfig);
    if (blockers.length) {
      throw new Error(`${files.describe("config.json")}: timm ${modelConfig.timm.architecture} cannot be written as a transformers checkpoint: ${blockers.join("; ")}`); // prettier-ignore
    }
    if (builtTask === "backbone") throw new CliError("a timm checkpoint converts to --task classification or base (HF's backbone adds norms timm's features do not have)"); // prettier-ignore
    const json = hfConfigJson(modelConfig);
    if (builtTask === "base") json.architectures = [modelConfig.modelType === "convnextv2" ? "ConvNextV2Model" : "ConvNextModel"]; // prettier-ignore
    const data = resolveDataConfig(parseTimmConfig(modelConfig.raw).pretrainedCfg, files.describe("config.json"));
    const pre = hfPreprocessorJson(data);
    for (const d of pre.differences) console.error(`warning: preprocessing: ${d}`);
    const encode = (o: unknown) => new TextEncoder().encode(JSON.stringify(o, null, 2) + "\n");
    timmFiles = { config: encode(json), preprocessor: encode(pre.json) };
  }
  const tensors: Array<[string, Tensor]> = model
    .namedParameters()
    .map(([name, p]) => [name, new Tensor(p.data, p.shape)]);
  const weights = serializeSafetensors(tensors, { format: "pt" });
  parseSafetensors(weights, "converted model.safetensors"); // what we wrote must read back
  const config = timmFiles?.config ?? (await files.read("config.json"));
  if (!config) throw new Error(`${files.describe("config.json")}: not found`);
  const preprocessor = timmFiles?.preprocessor ?? (await files.read("preprocessor_config.json"));

  await mkdir(dirname(output), { recursive: true });
  const staging = join(dirname(output), `.${basename(output)}.${process.pid}.${Date.now()}.tmp`);
  const old = `${staging}.old`;
  try {
    await mkdir(staging);
    await writeFile(join(staging, "model.safetensors"), weights);
    await writeFile(join(staging, "config.json"), config);
    if (preprocessor) await writeFile(join(staging, "preprocessor_config.json"), preprocessor);
    if (await exists(output)) await rename(output, old);
    await rename(staging, output);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    if ((await exists(old)) && !(await exists(output))) await rename(old, output); // put the original back
    throw new Error(`${output}: cannot write (${describeFsError(e, "write")})`);
  }
  await rm(old, { recursive: true, force: true });

  const params = tensors.reduce((n, [, t]) => n + t.size, 0);
  console.error(
    `read ${checkpoint.format} (${checkpoint.files.map((f) => files.describe(f)).join(", ")}); ` +
      `wrote ${tensors.length} tensors (${params} parameters, float32) to ${join(output, "model.safetensors")}`,
  );
  return 0;
}

const command: Command = { help, run };
export default command;
