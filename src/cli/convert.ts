// `convnext convert`: any supported checkpoint (safetensors, pytorch_model.bin, sharded, tf_model.h5,
// a hub id, a timm checkpoint) -> a clean model directory: model.safetensors under the PyTorch key names of
// the model class in the dtype asked for (float32 by default; float16, bfloat16, or int8 Linear weights), plus
// config.json (and preprocessor_config.json). A timm checkpoint becomes a transformers one where transformers
// can express it; otherwise the error names the options that prevent it. The directory appears complete or
// not at all.

import { mkdir, rename, rm, stat, writeFile, readdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { parseSafetensors, serializeRawSafetensors } from "../io/safetensors.js";
import { describeFsError } from "../node/files.js";
import { int8QuantizationConfig } from "../pretrained/quantization-config.js";
import { WEIGHT_DTYPES, weightTensors, type WeightDType } from "../pretrained/weight-dtypes.js";
import { CliError, MODEL_HELP, parseCommandLine, requireOption, type Command } from "./command.js";
import { loadModel, parseTask } from "./load-model.js";
import { resolveDataConfig } from "../preprocess/timm-transform.js";
import { hfBlockers, hfConfigJson, hfPreprocessorJson, parseTimmConfig } from "../pretrained/timm-config.js";

const help = `usage: convnext convert --model REF --output DIR [--dtype DTYPE] [--task TASK] [--overwrite]

Reads a ConvNeXT / ConvNeXT V2 checkpoint in any supported format and writes DIR with
  model.safetensors          PyTorch key names of the model class (metadata format "pt"), in DTYPE
  config.json                copied as is for float32; with "torch_dtype" (and, for int8,
                             "quantization_config") set for the other dtypes
  preprocessor_config.json   copied when the model has one

A timm checkpoint (config.json with "architecture") is written in transformers' format: HF key names,
an HF config.json, and the preprocessor_config.json closest to timm's transform (the differences are
printed). Options transformers cannot express (overlap stems, kernel_sizes, conv_bias=False,
head_norm_first, head_hidden_size, other norms or eps, patch_size 2, ...) stop it with their names.

  --model REF     ${MODEL_HELP}
  --output DIR    the directory to create; written to a temporary directory and renamed into place
  --dtype DTYPE   f32 (default) | f16 | bf16 | int8
                  f16, bf16: every tensor rounded to float16 / bfloat16 (as torch's .half() / .bfloat16());
                  transformers loads them, and this engine keeps them 16-bit in memory
                  int8: the nn.Linear weights (pwconv1, pwconv2, classifier) as per-output-channel symmetric
                  int8, "<name>.weight" I8 [out, in] + "<name>.weight_scale" F32 [out, 1], everything else
                  float32, and a compressed-tensors "int-quantized" quantization_config (docs/QUANTIZATION.md)
  --task TASK     base | classification | backbone (default: from config.json "architectures")
  --overwrite     replace DIR if it already exists`;

const TORCH_DTYPE: Record<WeightDType, string> = { f32: "float32", f16: "float16", bf16: "bfloat16", int8: "float32" }; // prettier-ignore

/**
 * config.json for the converted weights: the original bytes when nothing changes (float32 weights from a
 * config without a quantization_config), else with torch_dtype and quantization_config set or removed.
 */
function convertedConfig(original: Uint8Array, raw: Record<string, unknown>, dtype: WeightDType): Uint8Array {
  const plain = dtype === "f32" && raw.quantization_config === undefined;
  if (plain && (raw.torch_dtype === undefined || raw.torch_dtype === "float32")) return original;
  const config: Record<string, unknown> = { ...raw, torch_dtype: TORCH_DTYPE[dtype] };
  if (dtype === "int8") config.quantization_config = int8QuantizationConfig();
  else delete config.quantization_config;
  return new TextEncoder().encode(JSON.stringify(config, null, 2) + "\n");
}

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
    dtype: { type: "string", default: "f32" },
    overwrite: { type: "boolean", default: false },
  });
  const ref = requireOption(values.model, "--model");
  const output = resolve(requireOption(values.output, "--output"));
  const task = parseTask(values.task);
  const dtype = values.dtype as WeightDType;
  if (!WEIGHT_DTYPES.includes(dtype)) throw new CliError(`--dtype must be ${WEIGHT_DTYPES.join(", ")}, got "${dtype}"`); // prettier-ignore
  if ((await exists(output)) && !values.overwrite && (await readdir(output).catch(() => ["(a file)"])).length > 0) {
    throw new CliError(`${output} already exists; pass --overwrite to replace it`, 1);
  }

  const { files, checkpoint, model, config: modelConfig, task: builtTask } = await loadModel(ref, task, { dtype });
  let timmFiles: { config: Record<string, unknown>; preprocessor: Uint8Array } | null = null;
  const encode = (o: unknown) => new TextEncoder().encode(JSON.stringify(o, null, 2) + "\n");
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
    timmFiles = { config: json, preprocessor: encode(pre.json) };
  }
  const tensors = weightTensors(model);
  const weights = serializeRawSafetensors(tensors, { format: "pt" });
  parseSafetensors(weights, "converted model.safetensors"); // what we wrote must read back
  const original = timmFiles ? encode(timmFiles.config) : await files.read("config.json");
  if (!original) throw new Error(`${files.describe("config.json")}: not found`);
  const config = convertedConfig(original, timmFiles?.config ?? modelConfig.raw, dtype);
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

  const params = model.namedParameters().reduce((n, [, p]) => n + p.size, 0);
  const what = { f32: "float32", f16: "float16", bf16: "bfloat16", int8: "int8 Linear weights" }[dtype];
  console.error(
    `read ${checkpoint.format} (${checkpoint.files.map((f) => files.describe(f)).join(", ")}); ` +
      `wrote ${tensors.length} tensors (${params} parameters, ${what}; ${weights.length} bytes) to ${join(output, "model.safetensors")}`, // prettier-ignore
  );
  return 0;
}

const command: Command = { help, run };
export default command;
