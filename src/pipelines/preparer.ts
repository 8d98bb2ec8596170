// The decoding half of a pipeline: sources -> images ready to stack (decoded, RGB, resized and cropped by the
// processor). A pipeline asks for batch k+1 before it runs the model on batch k, so a preparer that works
// on another thread (src/node/decode-worker.ts) overlaps decoding with the forward pass; this one works on
// the calling thread, between batches.

import { ConvNextImageProcessor, type ConvNextImageProcessorOptions } from "../preprocess/image-processor.js";
import type { RgbImage } from "../preprocess/image.js";
import type { TimmDataConfig, TimmImageProcessor } from "../preprocess/timm-transform.js";
import { loadSource, type ImageSource, type LoadOptions } from "./image-source.js";

export interface PrepareItem {
  source: ImageSource;
  /** The name errors and results use. */
  file: string;
}

/**
 * A pipeline's image processor as plain data, so that a preparer on another thread can rebuild it (one kind
 * per processor class: a new processor adds its kind here and in processorFromSpec).
 */
export type ProcessorSpec =
  { kind: "convnext"; options: Readonly<ConvNextImageProcessorOptions> } | { kind: "timm"; config: TimmDataConfig };

/** The eval preprocessing of either library a pipeline may run (HF's processor, timm's transform). */
export type PipelineProcessor = ConvNextImageProcessor | TimmImageProcessor;

export function processorSpec(processor: PipelineProcessor): ProcessorSpec {
  return processor.kind === "timm"
    ? { kind: "timm", config: processor.config }
    : { kind: "convnext", options: processor.options };
}

/** The per-image half of the processor a spec describes: resize and crop (uint8 in, uint8 out). */
export async function processorFromSpec(spec: ProcessorSpec): Promise<{ resizeAndCrop(image: RgbImage): RgbImage }> {
  if (spec.kind === "convnext") return new ConvNextImageProcessor(spec.options);
  // timm's transform is loaded for timm models only
  if (spec.kind === "timm")
    return new (await import("../preprocess/timm-transform.js")).TimmImageProcessor(spec.config);
  throw new Error(`unknown image processor kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
}

export interface ImagePreparer {
  /**
   * One entry per item: the prepared image, or the error that stopped it (naming the file). Work elsewhere
   * (a worker) should be under way when this returns: the caller runs a forward pass right after, blocking
   * its thread, and awaits the result only then.
   */
  prepare(
    items: readonly PrepareItem[],
    processor: ProcessorSpec,
    options: LoadOptions,
  ): Promise<Array<RgbImage | Error>>;
}

/** An error whose message starts with the file it is about. */
export function namedError(e: unknown, file: string): Error {
  const message = e instanceof Error ? e.message : String(e);
  return message.startsWith(file) ? new Error(message) : new Error(`${file}: ${message}`);
}

/** Prepares on the calling thread, one image at a time (so a bad image fails alone). */
export const inThreadPreparer: ImagePreparer = {
  async prepare(items, spec, options) {
    const processor = await processorFromSpec(spec);
    const out: Array<RgbImage | Error> = [];
    for (const { source, file } of items) {
      try {
        out.push(processor.resizeAndCrop(await loadSource(source, file, options)));
      } catch (e) {
        out.push(namedError(e, file));
      }
    }
    return out;
  },
};
