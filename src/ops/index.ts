// The reference kernels: plain functions over typed arrays with explicit sizes.
export { convOutputSize } from "./conv-geometry.js";
export { conv2d, conv2dBackward } from "./conv2d.js";
export { depthwiseConv2d, depthwiseConv2dBackward } from "./depthwise-conv.js";
export {
  layerNormChannelsFirst,
  layerNormChannelsFirstBackward,
  layerNormChannelsLast,
  layerNormChannelsLastBackward,
} from "./layer-norm.js";
export { scaleNorm } from "./scale-norm.js";
export { linear, linearBackward } from "./linear.js";
export { erf, erfc } from "./erf.js";
export {
  ACTIVATION_GRADIENTS,
  ACTIVATIONS,
  applyActivation,
  applyActivationBackward,
  gelu,
  geluGrad,
  getActivation,
  getActivationGrad,
  isActivation,
} from "./activations.js";
export { layerScale, layerScaleBackward } from "./layer-scale.js";
export { channelsFirstToLast, channelsLastToFirst } from "./transpose.js";
export { dropPath, dropPathBackward, mulberry32 } from "./drop-path.js";
export { Mt19937, torchRandom } from "./torch-random.js";
export { globalAveragePool, globalAveragePoolBackward } from "./pooling.js";
export { globalResponseNorm, globalResponseNormBackward } from "./grn.js";
export { logSoftmaxRow, softmax, topK } from "./softmax.js";
export {
  activationQuantization,
  dequantizeWeights,
  quantizeActivation,
  quantizedLinear,
  quantizeWeights,
} from "./quantize.js";
