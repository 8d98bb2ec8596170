// The constants the wasm kernels (assembly/*.ts) and their TypeScript callers and twins (src/backend) share,
// in one place. assembly/build.mjs writes them into assembly/constants.generated.ts (AssemblyScript) and
// src/backend/kernel-constants.generated.ts (TypeScript) at build time.

export const CONSTANTS = {
  // GEMM epilogues (assembly/gemm.ts): what is done with acc + bias
  GEMM_MODE_BIAS: 0, // out = acc + b
  GEMM_MODE_GELU: 1, // out = gelu(acc + b)
  GEMM_MODE_SCALE_RESIDUAL: 2, // out += gamma * (acc + b)
  GEMM_MODE_RESIDUAL: 3, // out += acc + b
  GEMM_MODE_COLUMN_BIAS: 4, // out[m, p] = acc + b[p]: a bias per column (training's rows of activations . W^T)
  // ... plus the weights' format, OR'ed into the mode (assembly/gemm.ts; float32 when neither)
  GEMM_WEIGHTS_F16: 16, // w holds float16 bits
  GEMM_WEIGHTS_BF16: 32, // w holds bfloat16 bits

  // Packed x per pixel chunk: a whole plane when it fits 704 KB (L2 is 1 MB; K x P up to 3072 x 56 in the
  // last stages), else chunks of 256 KB (see assembly/gemm.ts)
  GEMM_PANEL_FLOATS: 180224,

  // The int8 GEMM (assembly/gemm-int8.ts) quantizes at most this many pixels of x per panel (their scales
  // and zero points sit beside the panel)
  GEMM_INT8_CHUNK_PIXELS: 4096,

  // gemmTN (the weight-gradient GEMM, assembly/backward.ts): rows of the sum packed per block. 64 and 128 ran
  // 1.3-2.4x slower than gemm on the same shapes, 256-1024 about as fast (bench: 25088 x 96 x 384, 392 x 768 x 3072)
  GEMM_TN_BLOCK: 256,

  // Memory below the heap's first block: the wasm kernels' SIMD constant table (assembly/table.ts) lives at
  // 256..656
  KERNEL_TABLE_OFFSET: 256,
  HEAP_START: 1024,

  // GELU: erf(x / sqrt 2) / 2 = xc * N(xc^2) / D(xc^2), a minimax fit (tools/fit-gelu.py) with relative error
  // 2.5e-8 on [0, 4]; N of degree 5, D monic of degree 5; |xc| <= GELU_LIMIT = 3.88 sqrt 2. The wasm kernels
  // use these rounded to float32, the pure-TS kernels in float64.
  GELU_N0: 341156.19454474654,
  GELU_N1: 29258.470365560275,
  GELU_N2: 4013.725886858202,
  GELU_N3: 146.76321700511514,
  GELU_N4: 5.377282702354579,
  GELU_N5: 0.018771498977363136,
  GELU_D0: 855151.7843798997,
  GELU_D1: 215865.07382471903,
  GELU_D2: 24660.49247210543,
  GELU_D3: 1625.5692833784426,
  GELU_D4: 63.365626321861264,
  GELU_LIMIT: 5.487148761749268,
};
