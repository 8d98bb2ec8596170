// The Worker API's worker: a module Web Worker that loads one model (a hub id, a URL or posted files) and runs
// its pipeline on what the page posts. Started by ImageClassifierWorker / FeatureExtractorWorker
// (worker-pipeline.ts), or by a worker script of your own (`import "convnext/worker";`) where a bundler needs
// one. In a worker the kernels' threads wait with Atomics.wait instead of spinning as a page's main thread must.

import { configureBackend, getBackend } from "../backend/backend.js";
import { FeatureExtractor } from "../pipelines/feature-extraction.js";
import { ImageClassifier } from "../pipelines/image-classification.js";
import type { DownloadProgress } from "../pretrained/hub-options.js";
import { memoryFiles } from "../pretrained/model-files.js";
import { inspectImage } from "./inspect.js";
import type { PostedModel, WorkerInfo, WorkerReply, WorkerReplyBody, WorkerRequest } from "./protocol.js";

interface WorkerScope {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
let pipeline: ImageClassifier | FeatureExtractor | null = null;
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event) => {
  const request = event.data;
  queue = queue.then(() => handle(request)); // one request at a time, in order
};

async function handle(request: WorkerRequest): Promise<void> {
  const reply = (message: WorkerReplyBody, transfer: Transferable[] = []) =>
    scope.postMessage({ id: request.id, ...message }, transfer);
  try {
    const transfer: Transferable[] = [];
    const value = await run(request, reply, transfer);
    reply({ type: "done", value }, transfer);
  } catch (e) {
    reply({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
}

function modelReference(model: PostedModel) {
  return typeof model === "string" ? model : memoryFiles(model.name, model.files);
}

async function run(
  request: WorkerRequest,
  reply: (message: WorkerReplyBody) => void,
  transfer: Transferable[],
): Promise<unknown> {
  if (request.type === "load") {
    if (pipeline) throw new Error("this worker has a model already; start another worker for another model");
    const { backend, threads, ...options } = request.options;
    if (backend !== undefined) configureBackend({ backend });
    if (threads !== undefined) configureBackend({ threads });
    const loadOptions = {
      ...options,
      onProgress: (progress: DownloadProgress) => reply({ type: "progress", progress }),
      onWarning: (message: string) => reply({ type: "warning", message }),
    };
    const ref = modelReference(request.model);
    pipeline =
      request.task === "image-classification"
        ? await ImageClassifier.fromPretrained(ref, loadOptions)
        : await FeatureExtractor.fromPretrained(ref, loadOptions);
    return info(pipeline, typeof request.model === "string" ? request.model : request.model.name);
  }
  if (!pipeline) throw new Error("no model loaded in this worker");
  if (request.type === "inspect") {
    if (!(pipeline instanceof ImageClassifier)) throw new Error("inspect needs an image classification model");
    const inspection = await inspectImage(pipeline, request.source as never, request.options);
    transfer.push(inspection.input.data.buffer, ...inspection.featureMaps.flatMap((m) => m.shown.map((c) => c.pixels.buffer))); // prettier-ignore
    return inspection;
  }
  if (pipeline instanceof ImageClassifier) return pipeline.classify(request.sources as never[], request.options);
  const results = await pipeline.extract(request.sources as never[], request.options);
  for (const r of results) if (r.embedding) transfer.push(r.embedding.buffer);
  return results;
}

function info(p: ImageClassifier | FeatureExtractor, model: string): WorkerInfo {
  const backend = getBackend();
  const config = p.model.config;
  return {
    model,
    backend: backend?.name ?? "reference",
    kernels: backend?.kernels ?? "reference",
    threads: backend?.threads ?? 1,
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    numLabels: config.numLabels,
    hiddenSize: config.hiddenSizes[config.numStages - 1],
  };
}
