// A timm checkpoint's config.json -> the ConvNextConfig (with TimmOptions) of the same network. timm writes
// `architecture` (a registered model name), `num_classes`, `pretrained_cfg` (preprocessing) and sometimes
// `model_args` (overrides of the registered defaults) and `label_names`; the model is what
// `timm.create_model(architecture, **model_args)` builds (timm v1.0.28 models/convnext.py, _hub.py, _builder.py).

import { ConfigError, type ConvNextConfig } from "../model/config.js";
import type { NormLayer, StemType, TimmOptions } from "../model/timm-options.js";
export { isTimmConfig } from "./config-kind.js";
import type { TimmDataConfig } from "../preprocess/timm-transform.js";

/** The arguments of a registered model function (timm's `model_args` dicts, per architecture). */
interface TimmArgs {
  depths: number[];
  dims: number[];
  conv_mlp?: boolean;
  stem_type?: StemType;
  norm_layer?: string;
  norm_eps?: number;
  head_norm_first?: boolean;
  head_hidden_size?: number;
  use_grn?: boolean;
  ls_init_value?: null;
  kernel_sizes?: number[];
  act_layer?: string;
}

const D_ATTO = { depths: [2, 2, 6, 2], dims: [40, 80, 160, 320] };
const D_FEMTO = { depths: [2, 2, 6, 2], dims: [48, 96, 192, 384] };
const D_PICO = { depths: [2, 2, 6, 2], dims: [64, 128, 256, 512] };
const D_NANO = { depths: [2, 2, 8, 2], dims: [80, 160, 320, 640] };
const D_TINY = { depths: [3, 3, 9, 3], dims: [96, 192, 384, 768] };
const D_SMALL = { depths: [3, 3, 27, 3], dims: [96, 192, 384, 768] };
const D_BASE = { depths: [3, 3, 27, 3], dims: [128, 256, 512, 1024] };
const D_LARGE = { depths: [3, 3, 27, 3], dims: [192, 384, 768, 1536] };
const V2 = { use_grn: true, ls_init_value: null };

/** Every ConvNeXt / ConvNeXt V2 in timm v1.0.28's registry, with the arguments its function passes. */
export const TIMM_CONVNEXT_REGISTRY: Readonly<Record<string, TimmArgs>> = {
  convnext_zepto_rms: { depths: [2, 2, 4, 2], dims: [32, 64, 128, 256], conv_mlp: true, norm_layer: "simplenorm" },
  convnext_zepto_rms_ols: { depths: [2, 2, 4, 2], dims: [32, 64, 128, 256], conv_mlp: true, norm_layer: "simplenorm", stem_type: "overlap_act" }, // prettier-ignore
  convnext_atto: { ...D_ATTO, conv_mlp: true },
  convnext_atto_ols: { ...D_ATTO, conv_mlp: true, stem_type: "overlap_tiered" },
  convnext_atto_rms: { ...D_ATTO, conv_mlp: true, norm_layer: "rmsnorm2d" },
  convnext_femto: { ...D_FEMTO, conv_mlp: true },
  convnext_femto_ols: { ...D_FEMTO, conv_mlp: true, stem_type: "overlap_tiered" },
  convnext_pico: { ...D_PICO, conv_mlp: true },
  convnext_pico_ols: { ...D_PICO, conv_mlp: true, stem_type: "overlap_tiered" },
  convnext_nano: { ...D_NANO, conv_mlp: true },
  convnext_nano_ols: { ...D_NANO, conv_mlp: true, stem_type: "overlap" },
  convnext_tiny_hnf: { ...D_TINY, head_norm_first: true, conv_mlp: true },
  convnext_tiny: D_TINY,
  convnext_small: D_SMALL,
  convnext_base: D_BASE,
  convnext_large: D_LARGE,
  convnext_large_mlp: { ...D_LARGE, head_hidden_size: 1536 },
  convnext_xlarge: { depths: [3, 3, 27, 3], dims: [256, 512, 1024, 2048] },
  convnext_xxlarge: { depths: [3, 4, 30, 3], dims: [384, 768, 1536, 3072], norm_eps: 1e-5 },
  convnextv2_atto: { ...D_ATTO, ...V2, conv_mlp: true },
  convnextv2_femto: { ...D_FEMTO, ...V2, conv_mlp: true },
  convnextv2_pico: { ...D_PICO, ...V2, conv_mlp: true },
  convnextv2_nano: { ...D_NANO, ...V2, conv_mlp: true },
  convnextv2_tiny: { ...D_TINY, ...V2 },
  convnextv2_small: { ...D_SMALL, ...V2 },
  convnextv2_base: { ...D_BASE, ...V2 },
  convnextv2_large: { ...D_LARGE, ...V2 },
  convnextv2_huge: { depths: [3, 3, 27, 3], dims: [352, 704, 1408, 2816], ...V2 },
  test_convnext: { depths: [1, 2, 4, 2], dims: [24, 32, 48, 64], norm_eps: 1e-5, act_layer: "gelu_tanh" },
  test_convnext2: { depths: [1, 1, 1, 1], dims: [32, 64, 96, 128], norm_eps: 1e-5, act_layer: "gelu_tanh" },
  test_convnext3: { depths: [1, 1, 1, 1], dims: [32, 64, 96, 128], norm_eps: 1e-5, kernel_sizes: [7, 5, 5, 3], act_layer: "silu" }, // prettier-ignore
};

/** timm act_layer names -> the ACT2FN name of the same function (timm/layers/create_act.py). */
const ACTIVATIONS: Readonly<Record<string, string>> = {
  gelu: "gelu",
  gelu_tanh: "gelu_pytorch_tanh",
  silu: "silu",
  swish: "silu",
  mish: "mish",
  relu: "relu",
  relu6: "relu6",
  leaky_relu: "leaky_relu",
  quick_gelu: "quick_gelu",
  sigmoid: "sigmoid",
  tanh: "tanh",
};

/** timm norm_layer names (convnext.py _NORM_MAP). */
const NORMS: Readonly<Record<string, NormLayer>> = {
  layernorm: "layernorm",
  layernorm2d: "layernorm",
  rmsnorm: "rmsnorm",
  rmsnorm2d: "rmsnorm",
  simplenorm: "simplenorm",
  simplenorm2d: "simplenorm",
};

/** ConvNeXt.__init__ arguments this engine reads; the ones that only matter in training are accepted too. */
const KNOWN_ARGS = new Set([
  "in_chans", "num_classes", "global_pool", "output_stride", "depths", "dims", "kernel_sizes", "ls_init_value",
  "stem_type", "patch_size", "head_init_scale", "head_norm_first", "head_hidden_size", "conv_mlp", "conv_bias",
  "use_grn", "act_layer", "norm_layer", "norm_eps", "drop_rate", "drop_path_rate",
]); // prettier-ignore

/** A timm config.json: it names a timm `architecture` (HF configs have `model_type` instead). */

/** timm's make_divisible(v, 8): the nearest multiple of 8, not below 8 nor below 90% of v. */
export function makeDivisible(v: number, divisor = 8): number {
  let out = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

export interface TimmConfig {
  config: ConvNextConfig;
  /** pretrained_cfg with the top-level overrides (num_classes, label_names), for preprocessing. */
  pretrainedCfg: Record<string, unknown>;
}

/** Reads a timm config.json into the config of the same model, or fails naming the file and the option. */
export function parseTimmConfig(json: unknown, source = "config.json"): TimmConfig {
  const fail = (msg: string): never => {
    throw new ConfigError(source, msg);
  };
  const raw = json as Record<string, unknown>;
  const name = String(raw.architecture).split(".")[0]; // "convnext_tiny.fb_in1k" -> the architecture
  const registered = TIMM_CONVNEXT_REGISTRY[name];
  if (!registered) {
    fail(
      `timm architecture "${raw.architecture}" is not a ConvNeXt / ConvNeXt V2 model; ` +
        `supported: ${Object.keys(TIMM_CONVNEXT_REGISTRY).join(", ")}`,
    );
  }
  const pretrainedCfg = { ...(isObject(raw.pretrained_cfg) ? raw.pretrained_cfg : {}) } as Record<string, unknown>;
  if (raw.pretrained_cfg !== undefined && !isObject(raw.pretrained_cfg)) fail(`"pretrained_cfg" must be an object`);
  if (raw.num_classes !== undefined) pretrainedCfg.num_classes = raw.num_classes;
  if (raw.label_names !== undefined) pretrainedCfg.label_names = raw.label_names;
  if (raw.model_args !== undefined && !isObject(raw.model_args)) fail(`"model_args" must be an object`);
  const modelArgs = (raw.model_args ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(modelArgs)) {
    if (!KNOWN_ARGS.has(key)) fail(`model_args.${key} is not an argument of timm's ConvNeXt`);
  }

  // create_model: the registered arguments, overridden by model_args; num_classes / in_chans / global_pool
  // default from pretrained_cfg (_builder._update_default_model_kwargs).
  const args: Record<string, unknown> = { ...registered, ...modelArgs };
  if (
    args.num_classes === undefined &&
    typeof pretrainedCfg.num_classes === "number" &&
    pretrainedCfg.num_classes >= 0
  ) {
    args.num_classes = pretrainedCfg.num_classes;
  }
  const inputSize = pretrainedCfg.input_size;
  if (args.in_chans === undefined && Array.isArray(inputSize) && inputSize.length === 3) args.in_chans = inputSize[0];
  if (args.global_pool === undefined && pretrainedCfg.global_pool != null) args.global_pool = pretrainedCfg.global_pool;

  const arg = <T>(key: string, fallback: T, check: (v: unknown) => boolean, what: string): T => {
    const v = args[key];
    if (v === undefined) return fallback;
    if (!check(v)) fail(`${key} must be ${what}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  const bool = (v: unknown) => typeof v === "boolean";
  const four = (v: unknown) => Array.isArray(v) && v.length === 4 && v.every(posInt);

  const depths = arg<number[]>("depths", [3, 3, 9, 3], four, "4 positive integers (timm's ConvNeXt has 4 stages)");
  const dims = arg<number[]>("dims", [96, 192, 384, 768], four, "4 positive integers");
  const kernel = args.kernel_sizes ?? 7;
  const kernelSizes = typeof kernel === "number" ? [kernel, kernel, kernel, kernel] : (kernel as number[]);
  if (!four(kernelSizes) || kernelSizes.some((k) => k % 2 === 0)) {
    fail(`kernel_sizes must be an odd integer or 4 of them, got ${JSON.stringify(kernel)}`);
  }
  const numClasses = arg("num_classes", 1000, (v) => Number.isInteger(v) && (v as number) >= 0, "an integer >= 0");
  const inChans = arg("in_chans", 3, posInt, "a positive integer");
  const globalPool = arg("global_pool", "avg", (v) => typeof v === "string", "a string");
  if (globalPool !== "avg") fail(`global_pool "${globalPool}" is not supported (only "avg", timm's default)`);
  const outputStride = arg("output_stride", 32, posInt, "8, 16 or 32");
  const stemType = arg<StemType>("stem_type", "patch", (v) => ["patch", "overlap", "overlap_tiered", "overlap_act"].includes(v as string), `"patch", "overlap", "overlap_tiered" or "overlap_act"`); // prettier-ignore
  const patchSize = arg("patch_size", 4, posInt, "a positive integer");
  const lsInit = arg<number | null>("ls_init_value", 1e-6, (v) => v === null || typeof v === "number", "a number or null"); // prettier-ignore
  const useGrn = arg("use_grn", false, bool, "true or false");
  const convMlp = arg("conv_mlp", false, bool, "true or false");
  const convBias = arg("conv_bias", true, bool, "true or false");
  const headNormFirst = arg("head_norm_first", false, bool, "true or false");
  const headHidden = arg<number | null>("head_hidden_size", null, (v) => v === null || posInt(v), "a positive integer or null"); // prettier-ignore
  if (headNormFirst && headHidden) fail("head_hidden_size cannot be combined with head_norm_first (timm asserts this)");
  const actName = arg("act_layer", "gelu", (v) => typeof v === "string", "an activation name");
  const hiddenAct = ACTIVATIONS[actName] ?? fail(`act_layer "${actName}" is not supported (${Object.keys(ACTIVATIONS).join(", ")})`); // prettier-ignore
  const normName = arg("norm_layer", "layernorm", (v) => v === null || typeof v === "string", "a norm name") ?? "layernorm"; // prettier-ignore
  const normLayer = NORMS[normName] ?? fail(`norm_layer "${normName}" is not supported (${Object.keys(NORMS).join(", ")})`); // prettier-ignore
  if (normLayer !== "layernorm" && !convMlp) fail(`norm_layer "${normName}" needs conv_mlp=True (timm asserts this)`);
  const normEps = arg<number | null>("norm_eps", null, (v) => v === null || (typeof v === "number" && v >= 0), "a number >= 0") ?? 1e-6; // prettier-ignore

  // The stage stride rule of ConvNeXt.__init__: stage 0 downsamples when the stem leaves stride 2.
  const stageStrides: number[] = [];
  let stride = stemType === "patch" ? patchSize : 4;
  for (let i = 0; i < 4; i++) {
    const s = stride === 2 || i > 0 ? 2 : 1;
    if (stride >= outputStride && s > 1) {
      fail(`output_stride ${outputStride} (with a stride-${stemType === "patch" ? patchSize : 4} stem) makes timm use dilated convs, which are not supported`); // prettier-ignore
    }
    stride *= s;
    stageStrides.push(s);
  }

  const labelNames = pretrainedCfg.label_names;
  let id2label: Record<number, string>;
  if (labelNames === undefined || labelNames === null) {
    id2label = Object.fromEntries(Array.from({ length: numClasses }, (_, i) => [i, `LABEL_${i}`]));
  } else {
    if (!Array.isArray(labelNames) || !labelNames.every((l) => typeof l === "string")) fail("label_names must be a list of strings"); // prettier-ignore
    const names = labelNames as string[];
    if (names.length !== numClasses) fail(`label_names has ${names.length} names for ${numClasses} classes`);
    id2label = Object.fromEntries(names.map((l, i) => [i, l]));
  }
  const size = Array.isArray(inputSize) && inputSize.length === 3 && posInt(inputSize[1]) ? (inputSize[1] as number) : 224; // prettier-ignore

  const timm: TimmOptions = {
    architecture: name,
    stemType,
    stemChannels: stemType === "overlap_tiered" ? makeDivisible(Math.floor(dims[0] / 2)) : dims[0],
    kernelSizes,
    convBias,
    convMlp,
    stageStrides,
    normLayer,
    normEps,
    headNormFirst,
    headHiddenSize: headHidden,
  };
  const stageNames = ["stem", "stage1", "stage2", "stage3", "stage4"];
  const config: ConvNextConfig = {
    modelType: useGrn ? "convnextv2" : "convnext",
    architectures: null,
    numChannels: inChans,
    patchSize,
    numStages: 4,
    hiddenSizes: dims,
    depths,
    hiddenAct,
    initializerRange: 0.02,
    layerNormEps: normEps,
    layerScaleInitValue: lsInit ?? 0,
    dropPathRate: 0, // timm spaces its rates per stage; inference only here
    imageSize: size,
    stageNames,
    outFeatures: ["stage4"],
    outIndices: [4],
    id2label,
    label2id: Object.fromEntries(Object.entries(id2label).map(([i, l]) => [l, Number(i)])),
    numLabels: numClasses,
    problemType: null,
    outputHiddenStates: false,
    raw,
    timm,
  };
  return { config, pretrainedCfg };
}

/**
 * timm features_only `out_indices` (stage numbers 0..3, negatives from the end) as the backbone's out_features
 * (HF numbering: 0 is the stem, stage i is i + 1).
 */
export function timmOutFeatures(config: ConvNextConfig, outIndices: readonly number[], source: string): ConvNextConfig {
  const fail = (msg: string): never => {
    throw new ConfigError(source, msg);
  };
  const n = config.numStages;
  const stages = outIndices.map((i) => (Number.isInteger(i) && i < 0 ? i + n : i));
  if (stages.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) fail(`out_indices [${outIndices}] out of range for ${n} stages (0..${n - 1})`); // prettier-ignore
  if (new Set(stages).size !== stages.length || stages.some((v, i) => i > 0 && v < stages[i - 1])) {
    fail(`out_indices must be distinct and in stage order, got [${outIndices}]`);
  }
  return {
    ...config,
    outIndices: stages.map((i) => i + 1),
    outFeatures: stages.map((i) => config.stageNames[i + 1]),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Why transformers' ConvNextConfig cannot express a timm model (docs/TIMM-REFERENCE.md §2): one entry per option, empty when
 * `convnext convert` can write it as an HF checkpoint computing the same function.
 */
export function hfBlockers(config: ConvNextConfig): string[] {
  const t = config.timm;
  if (!t) return [];
  const out: string[] = [];
  if (t.stemType !== "patch") out.push(`stem_type "${t.stemType}" (HF has only the patch stem)`);
  if (t.stageStrides[0] !== 1) out.push(`patch_size ${config.patchSize} (timm downsamples stage 0; HF never does)`);
  if (t.kernelSizes.some((k) => k !== 7)) out.push(`kernel_sizes [${t.kernelSizes.join(", ")}] (HF: 7)`);
  if (!t.convBias) out.push("conv_bias=False (HF convs always have a bias)");
  if (t.normLayer !== "layernorm") out.push(`norm_layer ${t.normLayer} (HF: LayerNorm)`);
  if (t.normEps !== 1e-6) out.push(`norm_eps ${t.normEps} (HF hard-codes 1e-6 in the stem, downsampling and blocks)`);
  if (t.headNormFirst) out.push("head_norm_first (HF pools, then norms)");
  if (t.headHiddenSize) out.push(`head_hidden_size ${t.headHiddenSize} (HF's head is one Linear)`);
  if (config.modelType === "convnextv2" && config.layerScaleInitValue > 0) out.push("GRN with layer scale (HF's V2 block has no layer scale)"); // prettier-ignore
  return out;
}

/** The HF config.json of a timm model HF can express (see hfBlockers), as save_pretrained would write it. */
export function hfConfigJson(config: ConvNextConfig): Record<string, unknown> {
  const v2 = config.modelType === "convnextv2";
  return {
    architectures: [v2 ? "ConvNextV2ForImageClassification" : "ConvNextForImageClassification"],
    model_type: config.modelType,
    num_channels: config.numChannels,
    patch_size: config.patchSize,
    num_stages: config.numStages,
    hidden_sizes: config.hiddenSizes,
    depths: config.depths,
    hidden_act: config.hiddenAct,
    layer_norm_eps: config.layerNormEps,
    ...(v2 ? {} : { layer_scale_init_value: config.layerScaleInitValue }),
    drop_path_rate: 0,
    image_size: config.imageSize,
    initializer_range: config.initializerRange,
    id2label: Object.fromEntries(Object.entries(config.id2label).map(([i, l]) => [String(i), l])),
    label2id: config.label2id,
    torch_dtype: "float32",
    transformers_version: "4.37.2",
  };
}

/**
 * The closest preprocessor_config.json (ConvNextImageProcessor) to a timm eval transform, and where the two still
 * differ (docs/TIMM-REFERENCE.md §4): HF resizes the short side to int(S / crop_pct) and centre-crops S x S below 384 (timm's
 * "center" mode, but HF floors the crop offset where timm rounds half to even), and warps to S x S from 384 on
 * (timm's "squash" mode at crop_pct 1).
 */
export function hfPreprocessorJson(data: TimmDataConfig): { json: Record<string, unknown>; differences: string[] } {
  const [, H, W] = data.inputSize;
  const differences: string[] = [];
  if (H !== W) differences.push(`input_size ${H}x${W} is not square (HF crops squares only)`);
  if (H >= 384 && !(data.cropMode === "squash" && data.cropPct === 1)) {
    differences.push(`at ${H} HF warps the image to ${H}x${H} without cropping; timm uses crop_mode ${data.cropMode}, crop_pct ${data.cropPct}`); // prettier-ignore
  } else if (H < 384 && data.cropMode !== "center") {
    differences.push(`crop_mode "${data.cropMode}" has no HF equivalent (HF resizes the short side and centre-crops)`);
  } else if (H < 384) {
    differences.push("where (resized size - crop) is odd, timm's crop offset rounds half to even and HF's floors: a one-pixel shift"); // prettier-ignore
  }
  const json = {
    crop_pct: data.cropPct,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: data.mean,
    image_processor_type: "ConvNextImageProcessor",
    image_std: data.std,
    resample: data.interpolation,
    rescale_factor: 1 / 255,
    size: { shortest_edge: H },
  };
  return { json, differences };
}
