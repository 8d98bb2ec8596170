// Loading: model files, checkpoint formats, the checkpoint-key mapping, strict weight loading, and the
// model and processor classes with fromPretrained.
export { readCheckpoint, type Checkpoint } from "./checkpoint.js";
export { ConvNextImageProcessor, loadImageProcessor, type ImageProcessor } from "./image-processor.js";
// timm's registry and config reading (timm-config.ts) load on demand when a timm checkpoint is met; the Node
// entry exports them.
export { isTimmConfig } from "./config-kind.js";
export type { TimmConfig } from "./timm-config.js";
export { alignPrefix, mapTfCheckpoint, mapTimmCheckpoint, timmToModelKey } from "./keys.js";
export {
  loadWeights,
  WEIGHT_DTYPES,
  WeightsError,
  type LoadWeightsOptions,
  type StoredTensor,
  type WeightDType,
} from "./load-weights.js";
export { memoryFiles, readJson, type ModelFiles } from "./model-files.js";
export { resolveModelFiles, setModelResolver, type ModelReference, type ModelResolver } from "./resolve-model.js";
export { NetworkError } from "./fetch-bytes.js";
export { HubHttpError } from "./hub-errors.js";
export { hubFiles, type HubModelFiles } from "./hub-files.js";
export { configureHub, type DownloadProgress, type HubDefaults, type HubOptions } from "./hub-options.js";
export { DEFAULT_ENDPOINT, parseHubReference, type HubReference } from "./hub-reference.js";
export { clearHubCache, DEFAULT_CACHE_NAME } from "./hub-storage.js";
export { urlFiles } from "./url-files.js";
// the int8 checkpoint format (quantization-config.ts) and the dtype conversions (weight-dtypes.ts) load on demand
// when a checkpoint or a dtype option needs them; the Node entry (and convnext/train: convertWeights) exports them.
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
  type FromPretrainedOptions,
  type PretrainedModel,
  type PretrainedOptions,
  type Task,
} from "./models.js";
