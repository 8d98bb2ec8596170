// Public backend API: choose the kernels (wasm SIMD, pure TS, or the reference kernels) and the threads.
export {
  Backend,
  backendOptions,
  configureBackend,
  disposeBackends,
  getBackend,
  resolveBackendName,
  type BackendName,
  type BackendOptions,
} from "./backend.js";
export { loadWeightKernels, wasmRelaxedSimd, wasmSimdSupported } from "./wasm/wasm-kernels.js";
export { FastExecutor, getExecutor } from "./executor.js";
