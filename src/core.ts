// The dependency-free core: tensors, kernels, the model tree and safetensors parsing. No Node API,
// so it runs in browsers and bundlers; pass model files as a ModelFiles object.
export * from "./tensor/tensor.js";
export * from "./tensor/dtype.js";
export * from "./ops/index.js";
export * from "./model/index.js";
export * from "./io/safetensors.js";
export * from "./io/model-files.js";
export { readCheckpoint, type Checkpoint } from "./io/checkpoint.js";
export * from "./backend/index.js";
