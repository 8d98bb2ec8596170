// The pipelines, like transformers' (image-classification, image feature extraction): in-memory inputs and
// model files in, results with the CLI's field names out. No Node API: src/node adds paths, URLs and stdin
// (setImageLoader) and a decoding worker thread (an ImagePreparer).
export {
  applyFunction,
  defaultFunctionToApply,
  parseFunctionToApply,
  type FunctionToApply,
} from "./function-to-apply.js";
export {
  classify,
  ImageClassifier,
  type ClassificationResult,
  type ClassifyOptions,
  type PostprocessOptions,
  type Prediction,
} from "./image-classification.js";
export {
  extractFeatures,
  FeatureExtractor,
  type EmbeddingOptions,
  type ExtractFeaturesOptions,
  type FeatureExtractionResult,
  type Pooling,
} from "./feature-extraction.js";
export { ImagePipeline, type PipelineOptions, type PipelineResult, type Sources } from "./image-pipeline.js";
export {
  loadSource,
  setImageLoader,
  sourceName,
  type BlobLike,
  type ImageLoader,
  type ImageSource,
  type LoadOptions,
} from "./image-source.js";
export {
  inThreadPreparer,
  processorFromSpec,
  processorSpec,
  type ImagePreparer,
  type PrepareItem,
  type ProcessorSpec,
} from "./preparer.js";
