// The HF "image-classification" pipeline (transformers v4.37.2): load_image, the model's
// ConvNextImageProcessor, ConvNextForImageClassification, then postprocess: function_to_apply (sigmoid, softmax
// or none, chosen from problem_type / num_labels / config.function_to_apply unless given), every label sorted
// by score (ties keep the lower class index, as Python's stable sort does), the first top_k (clamped to
// num_labels).

import type { ConvNextForImageClassification as ClassificationModel } from "../model/classification.js";
import { topK as topKIndices } from "../ops/softmax.js";
import type { RgbImage } from "../preprocess/image.js";
import type { ImageInput } from "../preprocess/image-input.js";
import { loadImageProcessor } from "../pretrained/image-processor.js";
import type { PipelineProcessor } from "./preparer.js";
import { resolveModelFiles, type ModelReference } from "../pretrained/resolve-model.js";
import { ConvNextForImageClassification, type FromPretrainedOptions } from "../pretrained/models.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  applyFunction,
  defaultFunctionToApply,
  parseFunctionToApply,
  type FunctionToApply,
} from "./function-to-apply.js";
import {
  ImagePipeline,
  positiveInteger,
  type PipelineOptions,
  type PipelineResult,
  type Sources,
} from "./image-pipeline.js";

export interface Prediction {
  /** config.id2label[index]. */
  label: string;
  /** Class index in the model's logits. */
  index: number;
  /** The logit after function_to_apply (a probability for softmax and sigmoid). */
  score: number;
}

/** The pipeline's own options (postprocess parameters), for in-memory batches too. */
export interface PostprocessOptions {
  /** Labels per image (default 5; more than num_labels gives num_labels). */
  topK?: number;
  /** "sigmoid" | "softmax" | "none" (case-insensitive); default from the config, like the pipeline. */
  functionToApply?: FunctionToApply | string;
}

export interface ClassifyOptions extends PipelineOptions, PostprocessOptions {}

/** `{ file, predictions }`, or `{ file, error }` for an input that failed. */
export type ClassificationResult = PipelineResult<{ predictions: Prediction[] }>;

export class ImageClassifier extends ImagePipeline<{ predictions: Prediction[] }, ClassifyOptions> {
  constructor(
    override readonly model: ClassificationModel,
    processor: PipelineProcessor,
  ) {
    super(model, processor);
    if (!model.classifier) {
      throw new Error("image classification needs a classification head; this model has num_labels = 0");
    }
  }

  /** config.json, the weights and preprocessor_config.json of a hub id, a model directory (URL or path) or ModelFiles. */
  static async fromPretrained(ref: ModelReference, options: FromPretrainedOptions = {}): Promise<ImageClassifier> {
    const files = await resolveModelFiles(ref, options);
    const model = await ConvNextForImageClassification.fromPretrained(files, options);
    if (!model.classifier) throw new Error(`${files.name}: the model has no classification head (num_labels = 0)`);
    return new ImageClassifier(model, await loadImageProcessor(files));
  }

  /** The function scores go through: the option, else the pipeline's default for this config. */
  functionToApply(options: PostprocessOptions = {}): FunctionToApply {
    return options.functionToApply === undefined
      ? defaultFunctionToApply(this.model.config)
      : parseFunctionToApply(options.functionToApply);
  }

  protected override validate(options: ClassifyOptions): void {
    positiveInteger(options.topK ?? 5, "topK");
    this.functionToApply(options);
  }

  override postprocess(outputs: Map<string, Tensor>, options: ClassifyOptions): Array<{ predictions: Prediction[] }> {
    const logits = outputs.get("logits")!;
    const [n, classes] = logits.shape;
    const scores = applyFunction(this.functionToApply(options), logits.data, n, classes);
    const k = Math.min(options.topK ?? 5, this.model.config.numLabels);
    const id2label = this.model.config.id2label;
    return Array.from({ length: n }, (_, b) => ({
      predictions: topKIndices(scores, b * classes, classes, k).map((index) => ({
        label: id2label[index],
        index,
        score: scores[b * classes + index],
      })),
    }));
  }

  /** Top-k predictions for images already in memory, one forward pass (errors throw). */
  predict(images: ImageInput[], options: PostprocessOptions = {}): Prediction[][] {
    this.validate(options);
    const prepared: RgbImage[] = images.map((img, i) => this.processor.prepare(img, `image ${i}`));
    return this.runModel(prepared, options).map((r) => r.predictions);
  }

  /** Every input's result, in order; a failing image is reported in its own result only. */
  classify(sources: Sources, options: ClassifyOptions = {}): Promise<ClassificationResult[]> {
    return this.run(sources, options);
  }
}

/** One call, like `pipeline("image-classification", model)(images, top_k=...)`. */
export async function classify(
  model: ModelReference,
  sources: Sources,
  options: ClassifyOptions = {},
): Promise<ClassificationResult[]> {
  return (await ImageClassifier.fromPretrained(model)).classify(sources, options);
}
