// The browser product on top of the pipelines: the Worker API (a model loaded and run in a module Web Worker)
// and the step-by-step view of a classification that the demo page shows. The worker script itself
// (worker.ts, `convnext/worker`) is an entry of its own, not part of the core's imports.
export { featureMapView, inspectImage, type ChannelView, type FeatureMapView, type Inspection, type InspectOptions, type StepTimings } from "./inspect.js"; // prettier-ignore
export type { PostedLoadOptions, WorkerInfo, WorkerTask } from "./protocol.js";
export {
  FeatureExtractorWorker,
  ImageClassifierWorker,
  type WorkerLike,
  type WorkerModelReference,
  type WorkerPipelineOptions,
} from "./worker-pipeline.js";
