// `convnext info`: what a model reference holds — architecture, parameter count, checkpoint dtypes, FLOPs at
// the size its image processor produces, and which files were read; as text or --json.

import type { ConvNextConfig } from "../model/config.js";
import type { Module } from "../model/module.js";
import { totalMacs } from "../model/flops.js";
import { hfBlockers } from "../pretrained/timm-config.js";
import { Resample } from "../preprocess/resize.js";
import { ConvNextImageProcessor } from "../pretrained/image-processor.js";
import { MODEL_HELP, parseCommandLine, requireOption, type Command } from "./command.js";
import { loadModel, parseTask } from "./load-model.js";

const help = `usage: convnext info --model REF [--task TASK] [--json]

Prints the architecture, parameter count, checkpoint dtype(s), FLOPs for one image at the size the
model's image processor produces (preprocessor_config.json: shortest_edge, cropped or resized square;
config.json image_size when there is no processor file or it does not resize; a timm checkpoint's
pretrained_cfg input_size), the checkpoint format and the files used; for a timm checkpoint also its
options and whether transformers can express it.

FLOPs convention: 2 x multiply-adds of the convolutions and linear layers (stem, downsampling, depthwise
and pointwise convs, classifier), batch 1; norms, activations, GRN, biases and pooling are not counted.
The ConvNeXT paper's "FLOPs" are the multiply-adds (4.5 G for convnext-tiny at 224), printed as MACs.

  --model REF     ${MODEL_HELP}
  --task TASK     base | classification | backbone (default: from config.json "architectures")
  --json          one JSON object (parameters, macs, flops, image_size, files, ...)`;

/** How the loaded weights are held and computed with. */
function computedAs(model: Module): string {
  const held = new Set(model.namedParameters().map(([, p]) => p.dtype));
  if (held.has("I8")) return "int8 nn.Linear weights (int8 GEMMs on activations quantized per pixel), the rest float32";
  if (held.has("F16") || held.has("BF16")) return "held in 16 bits, computed in float32";
  return "computed in float32";
}

function giga(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${n} `;
}

const RESAMPLE_NAMES = Object.fromEntries(Object.entries(Resample).map(([name, v]) => [v, name.toLowerCase()]));

/** The square the processor hands the model, or null when it does not resize (the input's own size). */
function processorSize(processor: ConvNextImageProcessor): number | null {
  return processor.options.doResize ? processor.options.shortestEdge : null;
}

function describeProcessor(processor: ConvNextImageProcessor): string {
  const o = processor.options;
  if (!o.doResize) return "do_resize false: the input's own size";
  const resample = RESAMPLE_NAMES[o.resample];
  return o.shortestEdge < 384
    ? `shortest_edge ${o.shortestEdge}: resize to ${Math.trunc(o.shortestEdge / o.cropPct)}, ${resample}, centre crop`
    : `shortest_edge ${o.shortestEdge}: ${resample} resize to a square`;
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, {
    model: { type: "string" },
    task: { type: "string" },
    json: { type: "boolean", default: false },
  });
  const ref = requireOption(values.model, "--model");
  const { files, config, checkpoint, model, task } = await loadModel(ref, parseTask(values.task));
  const processor = (await files.read("preprocessor_config.json"))
    ? await ConvNextImageProcessor.fromPretrained(files)
    : null;
  const params = model.namedParameters().reduce((n, [, p]) => n + p.size, 0);
  const dtypes = new Map<string, number>();
  for (const t of checkpoint.tensors.values()) dtypes.set(t.dtype, (dtypes.get(t.dtype) ?? 0) + 1);
  const withClassifier = task === "classification" && config.numLabels > 0;
  // a timm model's size is its pretrained_cfg input_size (maybe not square)
  const timmSize = (config.timm ? (config.raw.pretrained_cfg as { input_size?: number[] } | undefined)?.input_size : null) ?? []; // prettier-ignore
  const processorEdge = processor && processorSize(processor);
  const [height, width] =
    timmSize.length === 3 ? [timmSize[1], timmSize[2]] : [processorEdge ?? config.imageSize, processorEdge ?? config.imageSize]; // prettier-ignore
  const sizeFrom = timmSize.length === 3 ? "timm pretrained_cfg" : processorEdge ? "preprocessor_config.json" : "config.json image_size"; // prettier-ignore
  const macs = totalMacs(model.plan([1, config.numChannels, height, width]));
  const commit = files.commit();
  const used = ["config.json", ...checkpoint.files, ...(processor ? ["preprocessor_config.json"] : [])];

  if (values.json) {
    const out = {
      model: files.name,
      commit,
      architecture: model.constructor.name,
      model_type: config.modelType,
      architectures: config.architectures,
      hidden_sizes: config.hiddenSizes,
      depths: config.depths,
      patch_size: config.patchSize,
      num_labels: withClassifier ? config.numLabels : undefined,
      parameters: params,
      dtypes: Object.fromEntries(dtypes),
      computed_as: computedAs(model),
      image_size: [height, width],
      image_size_from: sizeFrom,
      macs,
      flops: 2 * macs,
      format: checkpoint.format,
      files: used.map((f) => files.describe(f)),
    };
    console.log(JSON.stringify(out, null, 2));
    return 0;
  }
  const lines = [
    `model:          ${files.name}${commit ? ` (commit ${commit})` : ""}`,
    `architecture:   ${model.constructor.name} (model_type ${config.modelType}; config.json: ${config.architectures?.join(", ") ?? (config.timm ? `timm ${config.timm.architecture}` : "-")})`,
    `stages:         hidden_sizes [${config.hiddenSizes.join(", ")}], depths [${config.depths.join(", ")}], patch_size ${config.patchSize}`,
    ...(withClassifier ? [`labels:         ${config.numLabels}`] : []),
    `parameters:     ${params.toLocaleString("en-US")} (${giga(params).trimEnd()})`,
    `dtype:          ${[...dtypes].map(([d, n]) => `${d} (${n} tensors)`).join(", ")} in the checkpoint; ${computedAs(model)}`,
    ...(config.timm ? timmLines(config) : []),
    `image size:     ${height} x ${width} (${sizeFrom}${processor ? `; ${describeProcessor(processor)}` : ""})`,
    `FLOPs:          ${giga(2 * macs)}FLOPs (= 2 x ${giga(macs)}MACs; convs and linears only, batch 1)`,
    `format:         ${checkpoint.format}${checkpoint.layout === "tf" ? " (TensorFlow names, mapped to PyTorch)" : ""}`,
    `files:          ${files.describe(used[0])}`,
    ...used.slice(1).map((f) => `                ${files.describe(f)}`),
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
