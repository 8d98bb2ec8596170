// The ConvNeXT module tree (V1 and V2: the config's model_type picks the block).
export { ConvNextBackbone, type BackboneOutput } from "./backbone.js";
export { ConvNextForImageClassification, type ImageClassifierOutput } from "./classification.js";
export { ConfigError, parseConvNextConfig, type ConvNextConfig, type ModelType, type ProblemType } from "./config.js";
export { ConvNextModel, type ConvNextModelOutput, type ForwardOptions } from "./convnext-model.js";
export { ConvNextEmbeddings } from "./embeddings.js";
export { ConvNextEncoder } from "./encoder.js";
export { ConvNextBlock, ConvNextLayer } from "./layer.js";
export { DepthwiseConv2d, LayerNorm, Linear, PatchifyConv2d } from "./layers.js";
export { loadWeights, WeightsError, type LoadWeightsOptions } from "./load-weights.js";
export type { Labels } from "./loss.js";
export { Module, ModuleDict, ModuleList, Parameter } from "./module.js";
export {
  checkpointTensors,
  createModel,
  loadPretrained,
  loadPretrainedModel,
  type PretrainedModel,
  readConfig,
  taskFromConfig,
  type ConvNextAnyModel,
  type PretrainedOptions,
  type Task,
} from "./pretrained.js";
export { ConvNextStage } from "./stage.js";
export { ConvNextV2GRN, ConvNextV2Layer } from "./v2-layer.js";

import { ConvNextBackbone } from "./backbone.js";
import { ConvNextForImageClassification } from "./classification.js";
import { ConvNextModel } from "./convnext-model.js";
/** ConvNeXT V2 uses the same classes: a `model_type: "convnextv2"` config builds GRN blocks. */
export const ConvNextV2Model = ConvNextModel;
export const ConvNextV2ForImageClassification = ConvNextForImageClassification;
export const ConvNextV2Backbone = ConvNextBackbone;
