// The Worker API: pipelines whose model loads and runs in a module Web Worker, behind the same async calls as
// the in-thread ones (`await classifier.classify(file)`). The page's main thread never decodes an image or
// runs the model, so it never freezes; bytes and pixels are transferred to the worker, not copied; the worker's
// kernels use threads where the page is cross-origin isolated.

import type { ClassificationResult, ClassifyOptions } from "../pipelines/image-classification.js";
import type { ExtractFeaturesOptions, FeatureExtractionResult } from "../pipelines/feature-extraction.js";
import type { ImageSource } from "../pipelines/image-source.js";
import { hubOptions, type DownloadProgress } from "../pretrained/hub-options.js";
import type { Inspection, InspectOptions } from "./inspect.js";
import type {
  PostedLoadOptions,
  PostedModel,
  WorkerInfo,
  WorkerReply,
  WorkerRequestBody,
  WorkerTask,
} from "./protocol.js";

/** The part of the Worker interface used here (browsers, Deno and Bun have it). */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: "message" | "error" | "messageerror", listener: (event: Event) => void): void;
  terminate(): void;
}

export interface WorkerPipelineOptions extends PostedLoadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  onWarning?: (message: string) => void;
  /**
   * The worker to run in. Default: a module Worker on the package's own worker script (dist/web/worker.js,
   * found with `new URL(..., import.meta.url)`). Where a bundler does not copy it, pass a module worker whose
   * script is `import "convnext/worker";`.
   */
  worker?: WorkerLike | (() => WorkerLike);
  /**
   * Transfer the buffers of posted bytes and pixels (default true: an ArrayBuffer, a Uint8Array or an
   * ImageData's pixels are detached on this side afterwards); false posts copies.
   */
  transfer?: boolean;
}

/** A model for a worker: a hub id, a model directory's URL (relative to the page), or its files. */
export type WorkerModelReference = string | URL | { name: string; files: Record<string, Uint8Array> };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: DownloadProgress) => void;
  onWarning?: (message: string) => void;
}

function pageUrl(): string | undefined {
  return (globalThis as { location?: { href: string } }).location?.href;
}

function createWorker({ worker }: WorkerPipelineOptions): WorkerLike {
  if (worker) return typeof worker === "function" ? worker() : worker;
  const Worker = (globalThis as { Worker?: new (url: URL, options: object) => WorkerLike }).Worker;
  if (!Worker) throw new Error("this platform has no Web Workers; use ImageClassifier / FeatureExtractor directly");
  return new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "convnext" });
}

/** What crosses to the worker for a model reference: relative URLs made absolute against the page. */
function postedModel(ref: WorkerModelReference): PostedModel {
  if (ref instanceof URL) return ref.href;
  if (typeof ref !== "string") return ref;
  return /^\.{0,2}\//.test(ref) && pageUrl() ? new URL(ref, pageUrl()).href : ref;
}

/** A typed array's bytes for posting: its own buffer when it spans it and may be moved, else a copy. */
function postBytes<T extends ArrayBufferView>(view: T, move: boolean, transfer: Transferable[]): T {
  const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
  if (!(view.buffer instanceof ArrayBuffer)) return view; // shared memory: posting shares it
  if (move && whole) {
    if (!transfer.includes(view.buffer)) transfer.push(view.buffer);
    return view;
  }
  const copy = new (view.constructor as new (b: ArrayBuffer) => T)(
    view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength),
  );
  transfer.push(copy.buffer as ArrayBuffer);
  return copy;
}

/** An image source as the worker gets it: Blobs as they are (no bytes copied), buffers moved, URLs absolute. */
function postedSource(source: ImageSource, move: boolean, transfer: Transferable[]): unknown {
  if (typeof source === "string") {
    return source.startsWith("data:") || !pageUrl() ? source : new URL(source, pageUrl()).href;
  }
  if (typeof Blob !== "undefined" && source instanceof Blob) return source;
  if (source instanceof ArrayBuffer) {
    const bytes = move ? source : source.slice(0);
    transfer.push(bytes);
    return bytes;
  }
  if (ArrayBuffer.isView(source)) return postBytes(source, move, transfer);
  if (typeof source === "object" && source !== null && "data" in source) {
    // ImageData's width and height are getters a copy of its own fields would miss
    const pixels = source as { data: unknown; width?: number; height?: number; channels?: number; shape?: number[] };
    const data = ArrayBuffer.isView(pixels.data) ? postBytes(pixels.data, move, transfer) : pixels.data;
    const { width, height, channels, shape } = pixels;
    return { data, width, height, channels, shape };
  }
  return source; // anything else: the worker's pipeline reports it
}

/** Options without what cannot be posted (callbacks, AbortSignals, preparers). */
function postedOptions(options: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => typeof v !== "function" && !(typeof v === "object" && v !== null)),
  );
}

abstract class WorkerPipeline {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  /** What the worker runs on (backend, kernels, threads) and the model's sizes. */
  info!: WorkerInfo;

  protected constructor(
    private readonly worker: WorkerLike,
    private readonly move = true,
  ) {
    worker.addEventListener("message", (event) => this.receive((event as MessageEvent<WorkerReply>).data));
    worker.addEventListener("error", (event) => {
      const message = (event as ErrorEvent).message;
      this.fail(
        new Error(
          message
            ? `convnext worker: ${message}`
            : "convnext worker: the worker script failed to load or to start (a missing file, a Content-Security-Policy " +
                "without worker-src, or a bundler that did not copy dist/web/worker.js: pass { worker })",
        ),
      );
    });
    worker.addEventListener("messageerror", () => this.fail(new Error("convnext worker: a message could not be read")));
  }

  /** Loads the model in the worker; on failure the worker is ended. */
  protected async load(task: WorkerTask, ref: WorkerModelReference, options: WorkerPipelineOptions): Promise<this> {
    // the page's configureHub defaults travel with the load: the worker's module has its own
    const merged: WorkerPipelineOptions = hubOptions(options);
    const { onProgress, onWarning, worker: _worker, transfer: _transfer, ...load } = merged;
    try {
      this.info = (await this.call(
        { type: "load", task, model: postedModel(ref), options: postedOptions(load) as PostedLoadOptions },
        [],
        { onProgress, onWarning },
      )) as WorkerInfo;
    } catch (e) {
      this.dispose();
      throw e;
    }
    return this;
  }

  private receive(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.type === "progress") pending.onProgress?.(reply.progress);
    else if (reply.type === "warning") (pending.onWarning ?? console.warn)(reply.message);
    else {
      this.pending.delete(reply.id);
      if (reply.type === "done") pending.resolve(reply.value);
      else pending.reject(new Error(reply.message));
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  protected call(
    request: WorkerRequestBody,
    transfer: Transferable[] = [],
    callbacks: Pick<Pending, "onProgress" | "onWarning"> = {},
  ): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...callbacks });
      try {
        this.worker.postMessage({ id, ...request }, transfer);
      } catch (e) {
        this.pending.delete(id);
        const why = e instanceof Error ? e.message : String(e);
        reject(new Error(`convnext worker: cannot send this to the worker (${why}); pass a File, Blob, bytes, ImageData, pixels or a URL`)); // prettier-ignore
      }
    });
  }

  /** Posts sources and options: a list gives a list of results, one source its one result. */
  protected runOn(input: ImageSource | ImageSource[], options: object): Promise<unknown> {
    const transfer: Transferable[] = [];
    const list = Array.isArray(input) ? input : [input];
    const sources = list.map((s) => postedSource(s, this.move, transfer));
    const results = this.call({ type: "run", sources, options: postedOptions(options) }, transfer);
    return Array.isArray(input) ? results : results.then((r) => (r as unknown[])[0]);
  }

  protected inspectOn(source: ImageSource, options: object): Promise<unknown> {
    const transfer: Transferable[] = [];
    const posted = postedSource(source, this.move, transfer);
    return this.call({ type: "inspect", source: posted, options: postedOptions(options) }, transfer);
  }

  /** Ends the worker (and its model's memory); pending calls are rejected. */
  dispose(): void {
    this.worker.terminate();
    this.fail(new Error("convnext worker: disposed"));
  }
}

/** ImageClassifier in a Web Worker: `await (await ImageClassifierWorker.fromPretrained(id)).classify(file)`. */
export class ImageClassifierWorker extends WorkerPipeline {
  static fromPretrained(
    ref: WorkerModelReference,
    options: WorkerPipelineOptions = {},
  ): Promise<ImageClassifierWorker> {
    return new ImageClassifierWorker(createWorker(options), options.transfer).load(
      "image-classification",
      ref,
      options,
    );
  }

  /** One image's result, or one per image of a list (in order; a failing image fails alone). */
  classify(source: ImageSource, options?: ClassifyOptions): Promise<ClassificationResult>;
  classify(sources: ImageSource[], options?: ClassifyOptions): Promise<ClassificationResult[]>;
  classify(input: ImageSource | ImageSource[], options: ClassifyOptions = {}): Promise<unknown> {
    return this.runOn(input, options);
  }

  /** The pipeline step by step on one image: timings, the model's input, feature maps (throws on a bad image). */
  inspect(source: ImageSource, options: InspectOptions = {}): Promise<Inspection> {
    return this.inspectOn(source, options) as Promise<Inspection>;
  }
}

/** FeatureExtractor in a Web Worker: embeddings without blocking the page. */
export class FeatureExtractorWorker extends WorkerPipeline {
  static fromPretrained(
    ref: WorkerModelReference,
    options: WorkerPipelineOptions = {},
  ): Promise<FeatureExtractorWorker> {
    return new FeatureExtractorWorker(createWorker(options), options.transfer).load("feature-extraction", ref, options);
  }

  extract(source: ImageSource, options?: ExtractFeaturesOptions): Promise<FeatureExtractionResult>;
  extract(sources: ImageSource[], options?: ExtractFeaturesOptions): Promise<FeatureExtractionResult[]>;
  extract(input: ImageSource | ImageSource[], options: ExtractFeaturesOptions = {}): Promise<unknown> {
    return this.runOn(input, options);
  }
}
