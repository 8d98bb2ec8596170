// `convnext info`: what a model reference holds — architecture, parameter count, checkpoint dtypes,
// FLOPs at the configured image size, and which files were read.

import type { ConvNextConfig } from "../model/config.js";
import { totalMacs } from "../model/flops.js";
import { hfBlockers } from "../pretrained/timm-config.js";
import { parseCommandLine, requireOption, type Command } from "./command.js";
import { loadModel, parseTask } from "./load-model.js";

const help = `usage: convnext info --model REF [--task TASK]

Prints the architecture, parameter count, checkpoint dtype(s), FLOPs for one image at the configured
size (config.json image_size, default 224; a timm checkpoint's pretrained_cfg input_size), the
checkpoint format and the files used; for a timm checkpoint also its options and whether transformers
can express it.

FLOPs convention: 2 x multiply-adds of the convolutions and linear layers (stem, downsampling, depthwise
and pointwise convs, classifier), batch 1; norms, activations, GRN, biases and pooling are not counted.
The ConvNeXT paper's "FLOPs" are the multiply-adds (4.5 G for convnext-tiny at 224), printed as MACs.

  --model REF     a model directory, or a hub id "org/name[@revision]" (through the HF cache)
  --task TASK     base | classification | backbone (default: from config.json "architectures")`;

function giga(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${n}`;
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, { model: { type: "string" }, task: { type: "string" } });
  const ref = requireOption(values.model, "--model");
  const { files, config, checkpoint, model, task } = await loadModel(ref, parseTask(values.task));
  const params = model.namedParameters().reduce((n, [, p]) => n + p.size, 0);
  const dtypes = new Map<string, number>();
  for (const t of checkpoint.tensors.values()) dtypes.set(t.dtype, (dtypes.get(t.dtype) ?? 0) + 1);
  const withClassifier = task === "classification" && config.numLabels > 0;
  // a timm model's size is its pretrained_cfg input_size (maybe not square)
  const inputSize = (config.timm ? (config.raw.pretrained_cfg as { input_size?: number[] } | undefined)?.input_size : null) ?? []; // prettier-ignore
  const [height, width] = inputSize.length === 3 ? [inputSize[1], inputSize[2]] : [config.imageSize, config.imageSize];
  const macs = totalMacs(model.plan([1, config.numChannels, height, width]));
  const commit = files.commit();
  const lines = [
    `model:          ${files.name}${commit ? ` (commit ${commit})` : ""}`,
    `architecture:   ${model.constructor.name} (model_type ${config.modelType}; config.json: ${config.architectures?.join(", ") ?? (config.timm ? `timm ${config.timm.architecture}` : "-")})`,
    `stages:         hidden_sizes [${config.hiddenSizes.join(", ")}], depths [${config.depths.join(", ")}], patch_size ${config.patchSize}`,
    ...(withClassifier ? [`labels:         ${config.numLabels}`] : []),
    `parameters:     ${params.toLocaleString("en-US")} (${giga(params)})`,
    `dtype:          ${[...dtypes].map(([d, n]) => `${d} (${n} tensors)`).join(", ")} in the checkpoint; computed in float32`,
    ...(config.timm ? timmLines(config) : []),
    `image size:     ${height} x ${width}`,
    `FLOPs:          ${giga(2 * macs)}FLOPs (= 2 x ${giga(macs)}MACs; convs and linears only, batch 1)`,
    `format:         ${checkpoint.format}${checkpoint.layout === "tf" ? " (TensorFlow names, mapped to PyTorch)" : ""}`,
    `files:          ${files.describe("config.json")}`,
    ...checkpoint.files.map((f) => `                ${files.describe(f)}`),
  ];
  console.log(lines.join("\n"));
  return 0;
}

/** What a timm checkpoint is beyond HF's config, and whether `convnext convert` can write it as HF. */
function timmLines(config: ConvNextConfig): string[] {
  const t = config.timm!;
  const options = [
    `stem ${t.stemType}`,
    `kernel_sizes [${t.kernelSizes.join(", ")}]`,
    `norm ${t.normLayer} (eps ${t.normEps})`,
    `act ${config.hiddenAct}`,
    ...(t.convMlp ? ["conv_mlp"] : []),
    ...(t.convBias ? [] : ["conv_bias=False"]),
    ...(config.modelType === "convnextv2" ? ["GRN"] : []),
    config.layerScaleInitValue > 0 ? "layer scale" : "no layer scale",
    ...(t.headNormFirst ? ["head_norm_first"] : []),
    ...(t.headHiddenSize ? [`head_hidden_size ${t.headHiddenSize}`] : []),
  ];
  const blockers = hfBlockers(config);
  return [
    `timm:           ${t.architecture}: ${options.join(", ")}`,
    `as HF:          ${blockers.length ? `no (${blockers.join("; ")})` : "yes (convnext convert writes it in transformers' format)"}`,
  ];
}

const command: Command = { help, run };
export default command;
