// Loading: model files, checkpoint formats, the checkpoint-key mapping, strict weight loading, and the
// model and processor classes with fromPretrained.
export { readCheckpoint, type Checkpoint } from "./checkpoint.js";
export { ConvNextImageProcessor } from "./image-processor.js";
export { alignPrefix, mapTfCheckpoint } from "./keys.js";
export { loadWeights, WeightsError, type LoadWeightsOptions, type StoredTensor } from "./load-weights.js";
export {
  memoryFiles,
  readJson,
  resolveModelFiles,
  setModelResolver,
  type ModelFiles,
  type ModelResolver,
} from "./model-files.js";
export { int8QuantizationConfig, parseQuantizationConfig } from "./quantization-config.js";
export { convertWeights, linearWeights, WEIGHT_DTYPES, weightTensors, type WeightDType } from "./weight-dtypes.js";
export {
  checkpointTensors,
  checkpointWeights,
  ConvNextBackbone,
  ConvNextForImageClassification,
  ConvNextModel,
  ConvNextV2Backbone,
  ConvNextV2ForImageClassification,
  ConvNextV2Model,
  createModel,
  loadPretrained,
  loadPretrainedModel,
  readConfig,
  taskFromConfig,
  type ConvNextAnyModel,
  type PretrainedModel,
  type PretrainedOptions,
  type Task,
} from "./models.js";
