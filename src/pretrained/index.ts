// Loading: model files, checkpoint formats, the checkpoint-key mapping, strict weight loading, and the
// model and processor classes with fromPretrained.
export { readCheckpoint, type Checkpoint } from "./checkpoint.js";
export { ConvNextImageProcessor, loadImageProcessor, type ImageProcessor } from "./image-processor.js";
export {
  isTimmConfig,
  makeDivisible,
  parseTimmConfig,
  TIMM_CONVNEXT_REGISTRY,
  timmOutFeatures,
  type TimmConfig,
} from "./timm-config.js";
export { alignPrefix, mapTfCheckpoint, mapTimmCheckpoint, timmToModelKey } from "./keys.js";
export { loadWeights, WeightsError, type LoadWeightsOptions } from "./load-weights.js";
export {
  memoryFiles,
  readJson,
  resolveModelFiles,
  setModelResolver,
  type ModelFiles,
  type ModelResolver,
} from "./model-files.js";
export {
  checkpointTensors,
  ConvNextBackbone,
  ConvNextForImageClassification,
  ConvNextModel,
  ConvNextV2Backbone,
  ConvNextV2ForImageClassification,
  ConvNextV2Model,
  createModel,
  withOutIndices,
  loadPretrained,
  loadPretrainedModel,
  readConfig,
  taskFromConfig,
  type ConvNextAnyModel,
  type PretrainedModel,
  type PretrainedOptions,
  type Task,
} from "./models.js";
