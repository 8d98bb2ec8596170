// The fast kernels behind the reference kernels' own signatures (src/ops): each stages its arguments
// into the backend's heap in the channels-first plane layout, runs the backend kernel (threads included)
// and copies the result back. The model does not use these (it keeps activations in the heap between
// ops); they exist so every fast kernel can be checked against its reference twin, and for callers who
// want one fast op.

import type { Backend } from "./backend.js";
import { dwconvScratchFloats, gemmPackBytes, grnScales, planeStride as round8, scratchBytes } from "./workspace.js";

export interface FastOps {
  /** space-to-depth when kernel == stride without padding, im2col otherwise; then the GEMM */
  conv2d: (out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array | null, N: number, Cin: number, H: number, W: number, Cout: number, OH: number, OW: number, k: number, stride: number, pad: number) => void; // prettier-ignore
  depthwiseConv2d: (out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array | null, N: number, C: number, H: number, W: number, OH: number, OW: number, k: number, pad: number) => void; // prettier-ignore
  layerNormChannelsFirst: (out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array, N: number, C: number, HW: number, eps: number) => void; // prettier-ignore
  linear: (out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array | null, M: number, K: number, N: number) => void; // prettier-ignore
  globalResponseNorm: (x: Float32Array, gamma: Float32Array, beta: Float32Array, N: number, HW: number, C: number, sumSq: Float64Array) => void; // prettier-ignore
  /** out[i] = gelu(x[i]) (the fused GELU of the GEMM epilogue, on its own). */
  gelu: (out: Float32Array, x: Float32Array, n: number) => void;
}

export function fastOps(backend: Backend): FastOps {
  const heap = backend.heap;
  const scratch: number[] = [];
  const alloc = (floats: number) => {
    const off = heap.alloc(Math.max(floats, 16));
    scratch.push(off);
    return off;
  };
  const put = (data: ArrayLike<number>, floats = data.length) => {
    const off = alloc(floats);
    heap.f32.fill(0, off >> 2, (off >> 2) + floats);
    heap.f32.set(data, off >> 2);
    return off;
  };
  const release = () => {
    for (const off of scratch.splice(0)) heap.free(off);
  };
  /** [N, C, HW] dense -> planes padded to P. */
  const putPlanes = (x: Float32Array, planes: number, HW: number, P: number) => {
    const off = alloc(planes * P);
    const f = heap.f32;
    f.fill(0, off >> 2, (off >> 2) + planes * P);
    for (let q = 0; q < planes; q++) f.set(x.subarray(q * HW, (q + 1) * HW), (off >> 2) + q * P);
    return off;
  };
  const getPlanes = (out: Float32Array, off: number, planes: number, HW: number, P: number) => {
    const f = heap.f32;
    for (let q = 0; q < planes; q++) out.set(f.subarray((off >> 2) + q * P, (off >> 2) + q * P + HW), q * HW);
  };
  const pack = (K: number) => {
    const bytes = gemmPackBytes(K);
    return [alloc((bytes / 4) * backend.threads), bytes];
  };
  const guarded =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A) => {
      try {
        fn(...a);
      } finally {
        release();
      }
    };

  return {
    conv2d: guarded((out, x, weight, bias, N, Cin, H, W, Cout, OH, OW, k, stride, pad) => {
      const P = round8(OH * OW);
      const src = put(x);
      const patches = alloc(N * Cin * k * k * P);
      heap.f32.fill(0, patches >> 2, (patches >> 2) + N * Cin * k * k * P);
      if (stride === k && pad === 0) backend.run("spaceToDepth", [patches, src, H, W, H * W, k, P], N * Cin, 1);
      else backend.run("im2col", [patches, src, H, W, H * W, k, stride, pad, OH, OW, P], N * Cin, 1);
      const dst = alloc(N * Cout * P);
      const [pk, pkBytes] = pack(Cin * k * k);
      backend.run(
        "gemm",
        [
          dst,
          put(weight),
          patches,
          put(bias ?? new Float32Array(Cout)),
          0,
          Cout,
          Cin * k * k,
          P,
          N,
          0,
          pk,
          pkBytes,
          OH * OW,
        ],
        N * Cout,
        4,
      );
      getPlanes(out, dst, N * Cout, OH * OW, P);
    }),
    depthwiseConv2d: guarded((out, x, weight, bias, N, C, H, W, OH, OW, k, pad) => {
      if (k !== 2 * pad + 1 || OH !== H || OW !== W)
        throw new Error(`fast depthwiseConv2d: only 'same' kernels (k = 2 pad + 1), got k ${k} pad ${pad}`);
      const P = round8(H * W);
      const src = putPlanes(x, N * C, H * W, P);
      const dst = alloc(N * C * P);
      const bytes = scratchBytes(dwconvScratchFloats(H, W, pad));
      const sc = alloc((bytes / 4) * backend.threads);
      backend.run("dwconv", [dst, src, put(weight), put(bias ?? new Float32Array(C)), C, H, W, P, k, pad, sc, bytes], N * C, 1); // prettier-ignore
      getPlanes(out, dst, N * C, H * W, P);
    }),
    layerNormChannelsFirst: guarded((out, x, weight, bias, N, C, HW, eps) => {
      const P = round8(HW);
      const src = putPlanes(x, N * C, HW, P);
      backend.run("layerNormCF", [src, src, put(weight), put(bias), C, P, eps], (N * P) / 8, 1);
      getPlanes(out, src, N * C, HW, P);
    }),
    linear: guarded((out, x, weight, bias, M, K, N) => {
      // out^T [N, M] = weight [N, K] . x^T [K, M]: the pointwise GEMM with the M rows as pixels
      const P = round8(M);
      const xt = new Float32Array(K * M);
      for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) xt[k * M + m] = x[m * K + k];
      const src = putPlanes(xt, K, M, P);
      const dst = alloc(N * P);
      const [pk, pkBytes] = pack(K);
      const b = put(bias ?? new Float32Array(N));
      backend.run("gemm", [dst, put(weight), src, b, 0, N, K, P, 1, 0, pk, pkBytes, M], N, 4);
      const f = heap.f32;
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) out[m * N + n] = f[(dst >> 2) + n * P + m];
    }),
    globalResponseNorm: guarded((x, gamma, beta, N, HW, C, _sumSq) => {
      const P = round8(HW);
      const planes = new Float32Array(N * C * HW);
      for (let n = 0; n < N; n++) {
        for (let p = 0; p < HW; p++) for (let c = 0; c < C; c++) planes[(n * C + c) * HW + p] = x[(n * HW + p) * C + c];
      }
      const src = putPlanes(planes, N * C, HW, P);
      const norms = alloc(2 * N * C);
      backend.run("grnNorms", [norms, src, HW, P], N * C, 1);
      const scale = alloc(N * C);
      grnScales(heap.f64, norms >> 3, heap.f32, scale >> 2, N, C);
      backend.run("grnApply", [src, put(gamma), put(beta), scale, C, P], N * C, 1);
      getPlanes(planes, src, N * C, HW, P);
      for (let n = 0; n < N; n++) {
        for (let p = 0; p < HW; p++) for (let c = 0; c < C; c++) x[(n * HW + p) * C + c] = planes[(n * C + c) * HW + p];
      }
    }),
    gelu: guarded((out, x, n) => {
      const padded = Math.ceil(n / 8) * 8; // the wasm kernel works on pairs of vectors
      const src = put(x.subarray(0, n), padded);
      backend.run("geluArray", [src, src, padded], 1, 1);
      out.set(heap.f32.subarray(src >> 2, (src >> 2) + n));
    }),
  };
}
