// The reference kernels: plain functions over typed arrays with explicit sizes.
export { convOutputSize } from "./conv-geometry.js";
export { conv2d } from "./conv2d.js";
export { depthwiseConv2d } from "./depthwise-conv.js";
export { layerNormChannelsFirst, layerNormChannelsLast } from "./layer-norm.js";
export { scaleNorm } from "./scale-norm.js";
export { linear } from "./linear.js";
export { erf, erfc } from "./erf.js";
export { ACTIVATIONS, applyActivation, gelu, getActivation, isActivation } from "./activations.js";
export { layerScale } from "./layer-scale.js";
export { channelsFirstToLast, channelsLastToFirst } from "./transpose.js";
export { dropPath, mulberry32 } from "./drop-path.js";
export { globalAveragePool } from "./pooling.js";
export { globalResponseNorm } from "./grn.js";
export { logSoftmaxRow, softmax, topK } from "./softmax.js";
