// Image classification in one call, like the HF "image-classification" pipeline: load_image, the model's
// ConvNextImageProcessor, the model, softmax, top-k labels from config.id2label. Node side (reads files).

import { resolveModel } from "./node/hub.js";
import type { ModelFiles } from "./pretrained/model-files.js";
import { ConvNextForImageClassification } from "./pretrained/models.js";
import { softmax, topK } from "./ops/softmax.js";
import { loadImageProcessor, type ImageProcessor } from "./pretrained/image-processor.js";
import { TimmImageProcessor } from "./preprocess/timm-transform.js";
import type { ImageInput } from "./preprocess/image-input.js";
import type { RgbImage } from "./preprocess/image.js";
import { loadImage } from "./node/load-image.js";

export interface Prediction {
  label: string;
  /** Class index in the model's logits. */
  index: number;
  /** Softmax probability. */
  score: number;
}

/** One image's outcome: predictions, or the error that stopped it (the other images are unaffected). */
export interface ClassificationResult {
  /** The file path, or "image <i>" for in-memory inputs. */
  source: string;
  predictions?: Prediction[];
  error?: string;
}

export interface ClassifyOptions {
  topK?: number;
  /** Images per forward pass (default 8). */
  batchSize?: number;
  /** Apply EXIF orientation to files (default: true like HF pipelines; false for timm models, like timm). */
  exifTranspose?: boolean;
  maxPixels?: number;
  /** Called after each batch with the number of images done. */
  onProgress?: (done: number, total: number) => void;
}

/** A classification model with its image processor, for classifying many images. */
export class ImageClassifier {
  constructor(
    readonly model: ConvNextForImageClassification,
    readonly processor: ImageProcessor,
  ) {}

  /**
   * Loads config.json, the weights and preprocessor_config.json of a model directory (or hub id); a timm
   * checkpoint brings timm's preprocessing and its label_names.
   */
  static async fromPretrained(ref: string | ModelFiles): Promise<ImageClassifier> {
    // A local directory or a hub id ("org/name") through the Hugging Face cache.
    const files = typeof ref === "string" ? await resolveModel(ref) : ref;
    const model = await ConvNextForImageClassification.fromPretrained(files);
    if (!model.classifier) throw new Error(`${files.name}: the model has no classification head (num_labels = 0)`);
    return new ImageClassifier(model, await loadImageProcessor(files));
  }

  /** Top-k predictions for already-loaded images, one forward pass. */
  predict(images: ImageInput[], k = 5): Prediction[][] {
    return this.predictPrepared(
      images.map((img, i) => this.processor.prepare(img, `image ${i}`)),
      k,
    );
  }

  private predictPrepared(prepared: RgbImage[], k: number): Prediction[][] {
    const pixelValues = this.processor.stack(prepared);
    const { logits } = this.model.forward(pixelValues);
    const [n, classes] = logits.shape;
    const probs = new Float32Array(n * classes);
    softmax(probs, logits.data, n, classes);
    const id2label = this.model.config.id2label;
    return Array.from({ length: n }, (_, b) =>
      topK(probs, b * classes, classes, k).map((index) => ({
        label: id2label[index] ?? `LABEL_${index}`,
        index,
        score: probs[b * classes + index],
      })),
    );
  }

  /** Files (paths) or in-memory images, in batches; a failing image is reported in its result only. */
  async classify(images: Array<string | ImageInput>, options: ClassifyOptions = {}): Promise<ClassificationResult[]> {
    const k = options.topK ?? 5;
    const batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(k) || k < 1) throw new Error(`topK must be a positive integer, got ${k}`);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    const results: ClassificationResult[] = images.map((img, i) => ({
      source: typeof img === "string" ? img : `image ${i}`,
    }));
    for (let start = 0; start < images.length; start += batchSize) {
      const batch: Array<{ i: number; prepared: RgbImage }> = [];
      for (let i = start; i < Math.min(start + batchSize, images.length); i++) {
        const input = images[i];
        try {
          const image =
            typeof input === "string"
              ? await loadImage(input, { exifTranspose: options.exifTranspose ?? !(this.processor instanceof TimmImageProcessor), maxPixels: options.maxPixels }) // prettier-ignore
              : input;
          // Load and resize one at a time so that a bad image fails alone.
          batch.push({ i, prepared: this.processor.prepare(image, results[i].source) });
        } catch (e) {
          results[i].error = (e as Error).message;
        }
      }
      if (batch.length) {
        const predictions = this.predictPrepared(
          batch.map((b) => b.prepared),
          k,
        );
        batch.forEach((b, j) => (results[b.i].predictions = predictions[j]));
      }
      options.onProgress?.(Math.min(start + batchSize, images.length), images.length);
    }
    return results;
  }
}

/** One call: `await classify("path/to/model", ["cat.jpg"], { topK: 3 })`. */
export async function classify(
  modelRef: string | ModelFiles,
  images: Array<string | ImageInput>,
  options: ClassifyOptions = {},
): Promise<ClassificationResult[]> {
  return (await ImageClassifier.fromPretrained(modelRef)).classify(images, options);
}
