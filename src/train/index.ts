// Training: backpropagation over a model's plan (gradients as PyTorch autograd computes them), the
// optimizers of torch.optim, learning-rate schedules, the fine-tuning loop and Grad-CAM.
export { backward, checkBackwardSupport, freeTape, tapeOutputs, trainingForward, type BackwardResult, type Saved, type Tape } from "./backward.js"; // prettier-ignore
export { blockBackward, blockForward, type BlockSaved } from "./block.js";
export { backendTrainingKernels, trainingKernels } from "./fast-kernels.js";
export { requireFloat32Parameters } from "./float32.js";
export { gradCam, gradCamOverlay, type GradCam, type RgbPixels } from "./gradcam.js";
export { computeGradients, type GradientOptions, type Gradients } from "./gradients.js";
export { referenceKernels, type TrainingKernels } from "./kernels.js";
export { AdamW, scaleLearningRate, SGD, trainerParamGroups, type AdamWOptions, type Optimizer, type ParamGroup, type SGDOptions } from "./optimizers.js"; // prettier-ignore
export { learningRateFactor, type Schedule, type ScheduleName } from "./schedule.js";
export { Trainer, type Batch, type LogEntry, type TrainerOptions, type TrainerState } from "./trainer.js";
export { trainStep, type TrainStepOptions } from "./train-step.js";
// training needs float32 weights: a model loaded 16-bit or int8 is converted with it (the core loads it on demand)
export { convertWeights } from "../pretrained/weight-dtypes.js";
