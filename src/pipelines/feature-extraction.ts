// Image embeddings: one vector per image from ConvNextModel, like transformers' image feature extraction
// (load_image, the model's processor, the model): `pooler_output` (the LayerNorm of the spatial mean of the
// last stage) by default, or the plain spatial mean of `last_hidden_state`; optionally L2-normalised like
// torch.nn.functional.normalize (x / max(||x||, 1e-12)).

import type { ConvNextPreTrainedModel } from "../model/pretrained-model.js";
import { globalAveragePool } from "../ops/pooling.js";
import type { ImageInput } from "../preprocess/image-input.js";
import { loadImageProcessor } from "../pretrained/image-processor.js";
import type { PipelineProcessor } from "./preparer.js";
import { resolveModelFiles, type ModelReference } from "../pretrained/resolve-model.js";
import { loadPretrained, readConfig, taskFromConfig, type FromPretrainedOptions } from "../pretrained/models.js";
import type { Tensor } from "../tensor/tensor.js";
import { ImagePipeline, type PipelineOptions, type PipelineResult, type Sources } from "./image-pipeline.js";

/** "pooler_output": ConvNextModel's pooled output; "mean": mean of last_hidden_state over height and width. */
export type Pooling = "pooler_output" | "mean";

export interface EmbeddingOptions {
  /** Default "pooler_output". */
  pooling?: Pooling;
  /** Divide each embedding by its L2 norm (default false). */
  normalize?: boolean;
}

export interface ExtractFeaturesOptions extends PipelineOptions, EmbeddingOptions {}

/** `{ file, embedding }` (float32, hidden_sizes[-1] values), or `{ file, error }`. */
export type FeatureExtractionResult = PipelineResult<{ embedding: Float32Array }>;

export class FeatureExtractor extends ImagePipeline<{ embedding: Float32Array }, ExtractFeaturesOptions> {
  /** Any model whose outputs include pooler_output and last_hidden_state (ConvNextModel, or a classifier). */
  constructor(model: ConvNextPreTrainedModel, processor: PipelineProcessor) {
    super(model, processor);
  }

  /** The model of a ConvNeXT checkpoint and its processor (a classifier runs whole: its head is tiny). */
  static async fromPretrained(ref: ModelReference, options: FromPretrainedOptions = {}): Promise<FeatureExtractor> {
    const files = await resolveModelFiles(ref, options);
    // Loading a classifier checkpoint as the base model would warn about the unused head.
    const task = taskFromConfig(await readConfig(files)) === "classification" ? "classification" : "base";
    const model = await loadPretrained(files, { ...options, task });
    return new FeatureExtractor(model, await loadImageProcessor(files));
  }

  /** Length of every embedding: hidden_sizes[-1]. */
  get dimension(): number {
    return this.model.config.hiddenSizes[this.model.config.numStages - 1];
  }

  protected override validate(options: ExtractFeaturesOptions): void {
    const pooling = options.pooling ?? "pooler_output";
    if (pooling !== "pooler_output" && pooling !== "mean") {
      throw new Error(`pooling must be "pooler_output" or "mean", got "${String(pooling)}"`);
    }
  }

  override postprocess(
    outputs: Map<string, Tensor>,
    options: ExtractFeaturesOptions,
  ): Array<{ embedding: Float32Array }> {
    const pooled =
      options.pooling === "mean" ? spatialMean(outputs.get("last_hidden_state")!) : outputs.get("pooler_output")!;
    const [n, d] = pooled.shape;
    return Array.from({ length: n }, (_, b) => {
      const embedding = pooled.data.slice(b * d, (b + 1) * d);
      if (options.normalize) l2Normalize(embedding);
      return { embedding };
    });
  }

  /** Embeddings of images already in memory, one forward pass (errors throw). */
  embed(images: ImageInput[], options: EmbeddingOptions = {}): Float32Array[] {
    this.validate(options);
    const prepared = images.map((img, i) => this.processor.prepare(img, `image ${i}`));
    return this.runModel(prepared, options).map((r) => r.embedding);
  }

  /** Every input's embedding, in order; a failing image is reported in its own result only. */
  extract(sources: Sources, options: ExtractFeaturesOptions = {}): Promise<FeatureExtractionResult[]> {
    return this.run(sources, options);
  }
}

/** [N, C, H, W] -> [N, C]: last_hidden_state.mean([-2, -1]). */
function spatialMean(t: Tensor): { data: Float32Array; shape: [number, number] } {
  const [n, c, h, w] = t.shape;
  const out = new Float32Array(n * c);
  globalAveragePool(out, t.data, n, c, h * w);
  return { data: out, shape: [n, c] };
}

function l2Normalize(v: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  for (let i = 0; i < v.length; i++) v[i] /= norm;
}

/** One call: the embedding of every input (`await extractFeatures("org/model", ["a.jpg"])`). */
export async function extractFeatures(
  model: ModelReference,
  sources: Sources,
  options: ExtractFeaturesOptions = {},
): Promise<FeatureExtractionResult[]> {
  return (await FeatureExtractor.fromPretrained(model)).extract(sources, options);
}
