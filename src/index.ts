// The Node entry point: the core plus file-system model references (`fromPretrained("path/to/dir")`).
import "./node.js";

export * from "./core.js";
export { directoryFiles } from "./io/local-files.js";
export { resolveModel, type ResolveOptions, type ResolvedModel } from "./io/hub.js";
export type { DownloadProgress } from "./io/progress-bar.js";
export * from "./preprocess/index.js";
export {
  classify,
  ImageClassifier,
  type ClassificationResult,
  type ClassifyOptions,
  type Prediction,
} from "./classify.js";
