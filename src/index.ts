// The Node entry point: the core plus file-system model references (`fromPretrained("path/to/dir")`, hub ids
// through the Hugging Face cache), image files, directories, URLs and stdin as pipeline inputs, a decoding worker
// thread, embedding files, and worker threads for the kernels.
import "./node/setup.js";

export * from "./core.js";
export { directoryFiles } from "./node/local-files.js";
export { resolveModel, type ResolveOptions, type ResolvedModel } from "./node/hub.js";
export type { DownloadProgress } from "./node/progress-bar.js";
export { loadImage } from "./node/load-image.js";
export { expandInputs, imagesInDirectory, IMAGE_EXTENSIONS } from "./node/image-files.js";
export { decodeWorker, type WorkerPreparer } from "./node/worker-preparer.js";
export {
  embeddingFormat,
  openEmbeddingFile,
  type EmbeddingFile,
  type EmbeddingFormat,
  type EmbeddingRow,
} from "./node/embedding-file.js";
