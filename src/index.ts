// The Node entry point: the core plus file-system model references (`fromPretrained("path/to/dir")`, hub ids
// through the Hugging Face cache), image files and file:// URLs as pipeline inputs, and worker threads.
import "./node/setup.js";

export * from "./core.js";
export { directoryFiles } from "./node/local-files.js";
export { resolveModel, type ResolveOptions, type ResolvedModel } from "./node/hub.js";
export type { DownloadProgress } from "./node/progress-bar.js";
export { loadImage } from "./node/load-image.js";
