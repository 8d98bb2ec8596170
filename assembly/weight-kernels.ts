// The kernels with the GEMMs for weights held in 16 bits or int8 (the full build): every kernel of index.ts
// plus gemm16 and gemmInt8. Built apart (assembly/build.mjs) because browsers load it only for a model that
// holds such weights: the core's own build (index.ts) stays within its size budget.
export * from "./index";
export { gemm16 } from "./gemm";
export { gemmInt8 } from "./gemm-int8";
