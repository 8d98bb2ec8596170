// The ConvNeXT module tree (V1 and V2: the config's model_type picks the block), its forward pass as a plan,
// and the reference executor that defines what each step computes.
export { ConvNextBackbone, type BackboneOutput } from "./backbone.js";
export { ConvNextForImageClassification, type ImageClassifierOutput } from "./classification.js";
export {
  ConfigError,
  dropPathRates,
  parseConvNextConfig,
  type ConvNextConfig,
  type ModelType,
  type ProblemType,
} from "./config.js";
export { basePrefix, ConvNextModel, type ConvNextModelOutput } from "./convnext-model.js";
export { ConvNextLayer } from "./convnext-layer.js";
export { ConvNextV2GRN, ConvNextV2Layer } from "./convnextv2-layer.js";
export { ConvNextEmbeddings } from "./embeddings.js";
export { ConvNextEncoder } from "./encoder.js";
export {
  runProgram,
  type Executor,
  type Program,
  type ProgramCall,
  type RunOptions,
  type Weights,
} from "./executor.js";
export { planMacs, stepGroup, totalMacs } from "./flops.js";
export { classificationLoss, classificationLossGradient, inferProblemType, type Labels } from "./loss.js";
export { blockNormEps, type NormLayer, type StemType, type TimmOptions } from "./timm-options.js";
export {
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  type HalfValues,
  type Int8Values,
  type ParameterDType,
} from "./module.js";
export { Conv2d, DepthwiseConv2d, LayerNorm, Linear, makeNorm, ScaleNorm, type Norm } from "./nn.js";
export { PlanBuilder, stepParameters, type Plan, type PlanStep, type PlanValue } from "./plan.js";
export {
  ConvNextPreTrainedModel,
  hiddenStatesOf,
  type ExecutorChoice,
  type ForwardOptions,
} from "./pretrained-model.js";
export { block, referenceExecutor } from "./reference-executor.js";
export { ConvNextStage, DownsamplingLayer, type ConvNextBlock } from "./stage.js";
