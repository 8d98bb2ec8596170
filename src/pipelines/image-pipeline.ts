// What the image pipelines share, like transformers' Pipeline: load each input (load_image), preprocess it,
// run the model on batches, postprocess each row. Inputs stream through: any (async) iterable, results per
// batch as soon as it is done, so a folder of 100,000 images never sits in memory. A failing image becomes
// its own `{ file, error }` result and the others go on.

import type { ConvNextPreTrainedModel } from "../model/pretrained-model.js";
import type { RgbImage } from "../preprocess/image.js";
import type { Tensor } from "../tensor/tensor.js";
import { sourceName, type ImageSource, type LoadOptions } from "./image-source.js";
import {
  inThreadPreparer,
  processorSpec,
  type ImagePreparer,
  type PipelineProcessor,
  type PrepareItem,
} from "./preparer.js";

export interface PipelineOptions extends LoadOptions {
  /** Images per forward pass (default 8). Results do not depend on it (beyond float32 rounding of a classifier's last layer). */
  batchSize?: number;
  /** Where images are decoded (default: on the calling thread; in Node, `decodeWorker()` overlaps it). */
  preparer?: ImagePreparer;
  /** Stops before the next batch (results so far are kept). */
  signal?: AbortSignal;
  /** Called after each batch with the number of inputs done. */
  onProgress?: (done: number) => void;
  /**
   * Called after each forward pass with its images, start and end (ms since the epoch, fractional: comparable
   * across threads), for timing reports.
   */
  onForward?: (images: number, start: number, end: number) => void;
}

export type Sources = Iterable<ImageSource> | AsyncIterable<ImageSource>;

/** Milliseconds since the epoch, sub-millisecond: the same clock on every thread. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

async function* batchesOf(sources: Sources, size: number): AsyncGenerator<PrepareItem[]> {
  if (typeof sources === "string" || !(Symbol.asyncIterator in sources || Symbol.iterator in sources)) {
    throw new Error("expected a list (or an iterable) of images");
  }
  let batch: PrepareItem[] = [];
  let index = 0;
  for await (const source of sources as AsyncIterable<ImageSource>) {
    batch.push({ source, file: sourceName(source, index++) });
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * One input's outcome: its `file` and the pipeline's fields (`Row`), or its `file` and the `error` that stopped
 * it (the message names the file); `if (r.error !== undefined)` tells them apart.
 */
export type PipelineResult<Row> =
  ({ file: string; error?: undefined } & Row) | ({ file: string; error: string } & { [K in keyof Row]?: undefined });

export abstract class ImagePipeline<Row extends object, Options extends PipelineOptions> {
  constructor(
    readonly model: ConvNextPreTrainedModel,
    readonly processor: PipelineProcessor,
  ) {}

  /** The rows of one forward pass's outputs (under HF names) -> one result each (without `file`). */
  abstract postprocess(outputs: Map<string, Tensor>, options: Options): Row[];

  /** Checks the options once, before any image is read. */
  protected abstract validate(options: Options): void;

  /**
   * The model on already prepared images. Images of different sizes (a processor that does not resize, as the
   * pipeline, which runs one image at a time, allows) cannot share a batch: one pass per size.
   */
  protected runModel(prepared: RgbImage[], options: Options): Row[] {
    const bySize = new Map<string, number[]>();
    prepared.forEach((img, i) => {
      const key = `${img.width}x${img.height}`;
      bySize.set(key, [...(bySize.get(key) ?? []), i]);
    });
    const rows = new Array<Row>(prepared.length);
    for (const indices of bySize.values()) {
      const pixelValues = this.processor.stack(indices.map((i) => prepared[i]));
      this.postprocess(this.model.forwardNamed(pixelValues), options).forEach((row, j) => (rows[indices[j]] = row));
    }
    return rows;
  }

  /** Results batch by batch, in input order, each batch as soon as its forward pass is done. */
  async *stream(sources: Sources, options: Options = {} as Options): AsyncGenerator<Array<PipelineResult<Row>>> {
    const batchSize = positiveInteger(options.batchSize ?? 8, "batchSize");
    this.validate(options);
    const preparer = options.preparer ?? inThreadPreparer;
    const batches = batchesOf(sources, batchSize);
    const { maxPixels, timeout } = options; // plain data: a preparer may post it to a worker
    // EXIF orientation as the model's library loads images: HF's load_image applies it, timm's loaders do not
    const exifTranspose = options.exifTranspose ?? this.processor.exifTranspose;
    const load: LoadOptions = { exifTranspose, maxPixels, timeout };
    const spec = processorSpec(this.processor);
    // The next batch's inputs are collected, and handed to the preparer, before this batch's forward pass,
    // which blocks the thread: a preparer working elsewhere has it by then.
    const prepare = async () => {
      const next = await batches.next();
      if (next.done) return null;
      const images = preparer.prepare(next.value, spec, load);
      images.catch(() => {}); // an error surfaces when it is awaited, not as an unhandled rejection
      return { items: next.value, images };
    };
    let done = 0;
    let pending = await prepare();
    while (pending && !options.signal?.aborted) {
      const batch = { items: pending.items, images: await pending.images };
      pending = await prepare();
      const ok = batch.images.flatMap((img) => (img instanceof Error ? [] : [img]));
      const start = epochMs();
      const rows = ok.length ? this.runModel(ok, options) : [];
      if (ok.length) options.onForward?.(ok.length, start, epochMs());
      let row = 0;
      const results = batch.items.map((item, i) => {
        const img = batch.images[i];
        return (
          img instanceof Error ? { file: item.file, error: img.message } : { file: item.file, ...rows[row++] }
        ) as PipelineResult<Row>;
      });
      done += results.length;
      options.onProgress?.(done);
      yield results;
    }
  }

  /** Every result, in input order. */
  async run(sources: Sources, options: Options = {} as Options): Promise<Array<PipelineResult<Row>>> {
    const all: Array<PipelineResult<Row>> = [];
    for await (const batch of this.stream(sources, options)) all.push(...batch);
    return all;
  }
}
