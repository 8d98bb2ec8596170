// The WebAssembly SIMD128 kernels (AssemblyScript). Pointers are byte offsets into the shared memory the
// host provides; every kernel takes the index range it owns, so threads split work by calling it on
// disjoint ranges. weight-kernels.ts adds the GEMMs for 16-bit and int8 weights (the full build).
export { gemm } from "./gemm";
export { geluArray } from "./gelu";
export { dwconv } from "./dwconv";
export { layerNormCF } from "./layernorm";
export { grnNorms, grnApply } from "./grn";
export { spaceToDepth } from "./layout";
export { im2col } from "./im2col";
export { globalAvgPool } from "./pool";
export { initConstants } from "./table";
export { addInto, blockOutput, blockOutputBackward, columnSums, dwconvWeightGrad, geluBackward, geluRange, gemmTN, transposeImages } from "./backward";
export { layerNormRows, layerNormRowsBackward } from "./layernorm-rows";
export { adamw } from "./adamw";
