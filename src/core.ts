// The dependency-free core: tensors, kernels, the model tree and its executors, checkpoint formats and
// loading (hub ids fetched and kept in the Cache API, model URLs, files at hand), image preprocessing, the
// pipelines (classification, embeddings) and their Worker API. No Node API, so it runs in browsers, workers,
// Deno, Bun and bundlers; images come as bytes, Blobs, URLs or pixels (in Node, import "convnext" for paths
// and the Hugging Face cache).
export * from "./tensor/tensor.js";
export * from "./tensor/dtype.js";
export * from "./ops/index.js";
export {
  basePrefix,
  block,
  classificationLoss,
  classificationLossGradient,
  ConfigError,
  Conv2d,
  ConvNextEmbeddings,
  ConvNextEncoder,
  ConvNextLayer,
  ConvNextPreTrainedModel,
  ConvNextStage,
  ConvNextV2GRN,
  ConvNextV2Layer,
  DepthwiseConv2d,
  DownsamplingLayer,
  dropPathRates,
  hiddenStatesOf,
  inferProblemType,
  LayerNorm,
  Linear,
  makeNorm,
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  parseConvNextConfig,
  PlanBuilder,
  planMacs,
  stepGroup,
  totalMacs,
  referenceExecutor,
  runProgram,
  ScaleNorm,
  stepParameters,
  type BackboneOutput,
  type ConvNextBlock,
  type ConvNextConfig,
  type ConvNextModelOutput,
  type Executor,
  type ExecutorChoice,
  type ForwardOptions,
  type HalfValues,
  type ImageClassifierOutput,
  type Int8Values,
  type Labels,
  type ModelType,
  type Norm,
  type NormLayer,
  type ParameterDType,
  type Plan,
  type PlanStep,
  type PlanValue,
  type ProblemType,
  type Program,
  type ProgramCall,
  type RunOptions,
  type StemType,
  type TimmOptions,
  type Weights,
} from "./model/index.js";
export * from "./io/safetensors.js";
export { serializeNpy, type NpyArray } from "./io/npy.js";
export * from "./preprocess/index.js";
export * from "./pretrained/index.js";
export * from "./backend/index.js";
export * from "./pipelines/index.js";
export * from "./web/index.js";
