// What timm's ConvNeXt builds beyond transformers' ConvNextConfig (docs/TIMM-REFERENCE.md §2), as explicit options on the
// same module tree: a config read from an HF config.json has `timm: null` (HF's architecture exactly);
// src/pretrained/timm-config.ts fills these from a timm config.json (architecture name + model_args).

/** timm `stem_type`: "patch" is HF's k = s = patch_size conv; the overlap stems are two 3x3 stride-2 convs. */
export type StemType = "patch" | "overlap" | "overlap_tiered" | "overlap_act";

/** timm `norm_layer`: LayerNorm (HF), RmsNorm2d (x / rms(x)) or SimpleNorm2d (x / std(x), not centred). */
export type NormLayer = "layernorm" | "rmsnorm" | "simplenorm";

export interface TimmOptions {
  /** timm's architecture name, e.g. "convnext_atto" (config.json `architecture`). */
  architecture: string;
  stemType: StemType;
  /** Output channels of an overlap stem's first conv: hidden_sizes[0], or half of it ("overlap_tiered"). */
  stemChannels: number;
  /** Depthwise kernel size per stage (HF: 7 everywhere); padding k // 2. */
  kernelSizes: number[];
  /** Bias on the stem, downsampling and depthwise convs (HF: always). */
  convBias: boolean;
  /** The block MLP stored as 1x1 convs (weights [4C, C, 1, 1]): the same math as HF's Linear. */
  convMlp: boolean;
  /** Stride of each stage's downsampling: 1, 2, 2, 2 (HF), or 2, 2, 2, 2 when the patch stem has stride 2. */
  stageStrides: number[];
  normLayer: NormLayer;
  /** eps of every norm (HF: 1e-6, layer_norm_eps for the final one). */
  normEps: number;
  /** `norm_pre`: the final norm on the feature map before pooling; the head is then pool -> fc. */
  headNormFirst: boolean;
  /** `head.pre_logits.fc`: Linear(C, n) + GELU between the head norm and the classifier, or null. */
  headHiddenSize: number | null;
}

/** eps of the norms transformers hard-codes to 1e-6 (stem, downsampling, blocks, backbone outputs). */
export function blockNormEps(timm: TimmOptions | null): number {
  return timm ? timm.normEps : 1e-6;
}
