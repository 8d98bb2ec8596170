// The Node entry point: the core plus file-system model references (`fromPretrained("path/to/dir")`, hub ids
// through the Hugging Face cache), image files, directories, URLs and stdin as pipeline inputs, a decoding worker
// thread, embedding files, and worker threads for the kernels.
import "./node/setup.js";

export * from "./core.js";
// training is its own entry in browsers (`convnext/train`, outside the core's size budget); Node gets it here
export * from "./train/index.js";
// timm's registry and eval transform, which the core loads on demand
export { makeDivisible, parseTimmConfig, TIMM_CONVNEXT_REGISTRY, timmOutFeatures } from "./pretrained/timm-config.js";
export { centerCropOrPad, resolveDataConfig, TimmImageProcessor } from "./preprocess/timm-transform.js";
// the int8 checkpoint format, 16-bit / int8 checkpoint reading and the weight dtype conversions, which the core
// loads on demand
export { int8QuantizationConfig, parseQuantizationConfig } from "./pretrained/quantization-config.js";
export { convertWeights, linearWeights, weightTensors } from "./pretrained/weight-dtypes.js";
export { checkpointWeights } from "./pretrained/checkpoint-weights.js";
export { floatToBFloat16, floatToHalf, narrow16 } from "./tensor/narrow16.js";
// the fast kernels behind the reference kernels' signatures, one op at a time (outside the browser core)
export { fastOps, type FastOps } from "./backend/fast-ops.js";
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
