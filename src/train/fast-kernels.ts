// The training kernels on a fast backend (wasm SIMD or pure TS, with its threads). The GEMMs of the forward
// pass and of the input gradients are the backend's gemm (assembly/gemm.ts: out[m, p] = sum_k w[m, k] x[k, p])
// on operands arranged for it (rows are [rows, features], channels-last):
//   forward   y [M, N]  = x [M, K] . W^T        w-operand x (its rows), x-operand W^T [K, N]
//   input     dx [M, K] = dy [M, N] . W         w-operand dy,          x-operand W [N, K]
// and the weight gradient dW [N, K] = dy^T . x is gemmTN, which reads both row-major operands as they are.
// The depthwise conv's input gradient is the forward dwconv kernel with the kernel flipped; its weight
// gradient, GELU's derivative and gemmTN are kernels of their own (assembly/backward.ts, pure-TS twins).
// The step's buffers are views of the backend's heap (alloc/free), so the kernels run on them in place;
// other arrays are staged into the heap and copied back. The rest of the step stays in src/train's code.

import { getBackend, type Backend } from "../backend/backend.js";
import { fastOps } from "../backend/fast-ops.js";
import { GEMM_MODE_BIAS, GEMM_MODE_COLUMN_BIAS } from "../backend/kernel-constants.generated.js";
import { dwconvGradScratchFloats, dwconvScratchFloats, gemmMinChunk, gemmPackBytes, gemmTNScratchFloats, planeStride, scratchBytes } from "../backend/workspace.js"; // prettier-ignore
import { referenceKernels, type TrainingKernels } from "./kernels.js";

const FAST_ACTIVATIONS = ["gelu", "gelu_python"]; // the exact erf GELU of the backend's kernels

const cache = new WeakMap<Backend, TrainingKernels>();

/** The training kernels of the configured backend (configureBackend / CONVNEXT_BACKEND), or the reference ones. */
export function trainingKernels(backend: Backend | null = getBackend()): TrainingKernels {
  if (!backend) return referenceKernels;
  let kernels = cache.get(backend);
  if (!kernels) cache.set(backend, (kernels = backendTrainingKernels(backend)));
  return kernels;
}

export function backendTrainingKernels(backend: Backend): TrainingKernels {
  const heap = backend.heap;
  const ops = fastOps(backend);
  // the heap views handed out by alloc, and their offsets (views survive the heap's growth only when shared)
  const views = new WeakMap<Float32Array, number>();
  // where an array lies in the heap: alloc's views, and parameters the heap holds (heap.parameter moves them
  // there); undefined for any other array, which is staged
  const at = (a: Float32Array | null) => (a && heap.shared && heap.holds(a) ? a.byteOffset : undefined);
  const blocks: number[] = [];
  const alloc = (floats: number) => {
    const offset = heap.alloc(Math.max(16, floats));
    blocks.push(offset);
    return offset;
  };
  const zeros = (floats: number) => {
    const offset = alloc(floats);
    heap.f32.fill(0, offset >> 2, (offset >> 2) + floats);
    return offset;
  };
  /** rows [R, L] into the heap with rows padded to `stride` floats (zeros). */
  const putRows = (data: Float32Array, R: number, L: number, stride = L) => {
    const offset = stride === L ? alloc(R * L) : zeros(R * stride);
    const f = heap.f32;
    if (stride === L) f.set(data.subarray(0, R * L), offset >> 2);
    else for (let r = 0; r < R; r++) f.set(data.subarray(r * L, (r + 1) * L), (offset >> 2) + r * stride);
    return offset;
  };
  const getRows = (out: Float32Array, offset: number, R: number, L: number, stride: number) => {
    const f = heap.f32;
    if (stride === L) out.set(f.subarray(offset >> 2, (offset >> 2) + R * L));
    else for (let r = 0; r < R; r++) out.set(f.subarray((offset >> 2) + r * stride, (offset >> 2) + r * stride + L), r * L); // prettier-ignore
  };
  /** out [M, P] = w [M, K] . x [K, P] with `pixels` real columns, split over the threads by rows. */
  const gemm = (
    out: number,
    w: number,
    x: number,
    M: number,
    K: number,
    P: number,
    pixels: number,
    mode = GEMM_MODE_BIAS,
    bias = zeros(M),
  ) => {
    const packBytes = gemmPackBytes(K);
    const pack = alloc((packBytes / 4) * backend.threads);
    const args = [out, w, x, bias, 0, M, K, P, 1, mode, pack, packBytes, pixels];
    backend.run("gemm", args, M, 4, gemmMinChunk(1, M, backend.threads));
  };
  const scoped =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A) => {
      try {
        fn(...a);
      } finally {
        for (const offset of blocks.splice(0)) heap.free(offset);
      }
    };
  /** A layout change of heap views on the backend's threads (one image per chunk); the reference otherwise. */
  const transpose4 = (out: Float32Array, x: Float32Array, N: number, C: number, HW: number, toLast: number) => {
    const [X, Y] = [at(x), at(out)];
    if (X === undefined || Y === undefined) {
      return (toLast ? referenceKernels.channelsFirstToLast : referenceKernels.channelsLastToFirst)(out, x, N, C, HW);
    }
    backend.run("transposeImages", [Y, X, C, HW, toLast], N, 1);
  };

  return {
    name: backend.kernels,
    alloc: (n) => {
      if (!heap.shared) return new Float32Array(n);
      let offset;
      try {
        offset = heap.alloc(Math.max(16, n));
      } catch {
        return new Float32Array(n); // the heap's 4 GiB are full: an ordinary array (its kernels stage it)
      }
      const view = heap.view(offset, n);
      views.set(view, offset);
      heap.freeWhenCollected(view, [offset], view); // one never given back (optimizer state, gradients handed out)
      return view;
    },
    free: (...buffers) => {
      for (const b of buffers) {
        const offset = b ? views.get(b) : undefined;
        if (offset === undefined) continue;
        views.delete(b!);
        heap.freeNow(b!, [offset]);
      }
    },
    inPlace: (a) => at(a) !== undefined,
    linear: scoped((out, x, weight, bias, M, K, N) => {
      const N8 = planeStride(N);
      const X = at(x) ?? putRows(x, M, K);
      // W^T [K, N8]: the weight [N, K] transposed as one image [C = N, HW = K] -> [HW, C], padded to N8 columns
      const W = at(weight) ?? putRows(weight, N, K);
      const T = alloc(K * N);
      backend.run("transposeImages", [T, W, N, K, 1], 1, 1);
      const WT = N === N8 ? T : putRows(heap.view(T, K * N), K, N, N8);
      // the bias is per column here (the kernel's is per row by default): GEMM_MODE_COLUMN_BIAS
      const direct = N === N8 ? at(out) : undefined;
      const rows = direct ?? alloc(M * N8);
      gemm(rows, X, WT, M, K, N8, N, GEMM_MODE_COLUMN_BIAS, bias ? putRows(bias, 1, N, N8) : zeros(N8));
      if (direct === undefined) getRows(out, rows, M, N, N8);
    }),
    linearBackward: scoped((dx, dw, db, dy, x, weight, M, K, N) => {
      const K8 = planeStride(K);
      const DY = at(dy) ?? putRows(dy, M, N);
      if (dx) {
        const direct = K === K8 ? at(dx) : undefined;
        const DX = direct ?? alloc(M * K8);
        gemm(DX, DY, (K === K8 ? at(weight) : undefined) ?? putRows(weight, N, K, K8), M, N, K8, K);
        if (direct === undefined) getRows(dx, DX, M, K, K8);
      }
      const direct = K === K8 ? at(dw) : undefined;
      const DW = direct ?? alloc(N * K8);
      const bytes = scratchBytes(gemmTNScratchFloats(N));
      const X = (K === K8 ? at(x) : undefined) ?? putRows(x, M, K, K8);
      backend.run("gemmTN", [DW, DY, X, N, K8, M, alloc((bytes / 4) * backend.threads), bytes], N, 4);
      if (direct === undefined) getRows(dw, DW, N, K, K8);
      if (db) {
        const sums = alloc(N);
        const acc = alloc(2 * Math.ceil(N / 4) * 4); // float64
        backend.run("columnSums", [sums, DY, N, M, acc], Math.ceil(N / 4), 1);
        db.set(heap.f32.subarray(sums >> 2, (sums >> 2) + N));
      }
    }),
    depthwiseConv2d: scoped((out, x, weight, bias, N, C, H, W, k, pad) => {
      if (k !== 2 * pad + 1) return referenceKernels.depthwiseConv2d(out, x, weight, bias, N, C, H, W, k, pad);
      const [X, Y] = [at(x), at(out)];
      if (X === undefined || Y === undefined) return ops.depthwiseConv2d(out, x, weight, bias, N, C, H, W, H, W, k, pad); // prettier-ignore
      // planes of H * W floats, unpadded: dwconv reads and writes whole rows only
      const bytes = scratchBytes(dwconvScratchFloats(H, W, pad));
      const B = putRows(bias ?? new Float32Array(C), 1, C);
      const args = [Y, X, putRows(weight, 1, weight.length), B, C, H, W, H * W, k, pad, alloc((bytes / 4) * backend.threads), bytes]; // prettier-ignore
      backend.run("dwconv", args, N * C, 1);
    }),
    depthwiseConv2dBackward: scoped((dx, dw, db, dy, x, weight, N, C, H, W, k, pad) => {
      if (k !== 2 * pad + 1) return referenceKernels.depthwiseConv2dBackward(dx, dw, db, dy, x, weight, N, C, H, W, k, pad); // prettier-ignore
      const HW = H * W;
      const inPlace = at(dy) !== undefined && at(x) !== undefined && (!dx || at(dx) !== undefined);
      const P = inPlace ? HW : planeStride(HW); // dwconv and its gradient read and write whole rows only
      const DY = at(dy) ?? putRows(dy, N * C, HW, P);
      if (dx) {
        // the input gradient is the same 'same' conv of dy with the kernel flipped in both directions
        const flipped = new Float32Array(weight.length);
        for (let c = 0; c < C; c++) for (let t = 0; t < k * k; t++) flipped[c * k * k + t] = weight[c * k * k + (k * k - 1 - t)]; // prettier-ignore
        const bytes = scratchBytes(dwconvScratchFloats(H, W, pad));
        const DX = inPlace ? at(dx)! : alloc(N * C * P);
        const args = [DX, DY, putRows(flipped, 1, flipped.length), zeros(C), C, H, W, P, k, pad, alloc((bytes / 4) * backend.threads), bytes]; // prettier-ignore
        backend.run("dwconv", args, N * C, 1);
        if (!inPlace) getRows(dx, DX, N * C, HW, P);
      }
      const bytes = scratchBytes(dwconvGradScratchFloats(H, W, pad));
      const partial = alloc(N * C * k * k);
      const sums = alloc(2 * N * C); // float64
      const args = [partial, sums, DY, at(x) ?? putRows(x, N * C, HW, P), H, W, P, k, pad, alloc((bytes / 4) * backend.threads), bytes]; // prettier-ignore
      backend.run("dwconvWeightGrad", args, N * C, 1);
      const f = heap.f32;
      for (let c = 0; c < C; c++) {
        for (let t = 0; t < k * k; t++) {
          let sum = 0;
          for (let n = 0; n < N; n++) sum += f[(partial >> 2) + (n * C + c) * k * k + t];
          dw[c * k * k + t] = sum;
        }
      }
      if (db) {
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (let n = 0; n < N; n++) sum += heap.f64[(sums >> 3) + n * C + c];
          db[c] = sum;
        }
      }
    }),
    layerNorm: scoped((out, x, weight, bias, rows, C, eps) => {
      const [X, Y] = [at(x), at(out)];
      if (X === undefined || Y === undefined) return referenceKernels.layerNorm(out, x, weight, bias, rows, C, eps);
      backend.run("layerNormRows", [Y, X, putRows(weight, 1, C), putRows(bias, 1, C), C, eps], rows, 16);
    }),
    layerNormBackward: scoped((dx, dw, db, dy, x, weight, rows, C, eps) => {
      const [DX, DY, X] = [at(dx), at(dy), at(x)];
      if (DX === undefined || DY === undefined || X === undefined) {
        return referenceKernels.layerNormBackward(dx, dw, db, dy, x, weight, rows, C, eps);
      }
      // per thread: float64 partial sums of dweight and dbias, added up here
      const bytes = scratchBytes(4 * C); // 2 C doubles
      const partial = zeros((bytes / 4) * backend.threads);
      backend.run("layerNormRowsBackward", [DX, DY, X, putRows(weight, 1, C), C, eps, partial, bytes], rows, 16);
      const d = heap.f64;
      for (let c = 0; c < C; c++) {
        let [sw, sb] = [0, 0];
        for (let t = 0; t < backend.threads; t++) {
          sw += d[((partial + t * bytes) >> 3) + c];
          sb += d[((partial + t * bytes) >> 3) + C + c];
        }
        dw[c] = sw;
        db[c] = sb;
      }
    }),
    channelsFirstToLast: (out, x, N, C, HW) => transpose4(out, x, N, C, HW, 1),
    channelsLastToFirst: (out, x, N, C, HW) => transpose4(out, x, N, C, HW, 0),
    blockOutput: scoped((out, branch, gamma, residual, N, C, HW) => {
      const [Y, B, R] = [at(out), at(branch), at(residual)];
      if (Y === undefined || B === undefined || R === undefined) return referenceKernels.blockOutput(out, branch, gamma, residual, N, C, HW); // prettier-ignore
      const G = gamma ? (at(gamma) ?? putRows(gamma, 1, C)) : 0;
      backend.run("blockOutput", [Y, B, G, R, C, HW], N, 1);
    }),
    blockOutputBackward: scoped((dBranch, dgamma, dy, branch, gamma, N, C, HW) => {
      const [D, Y, B] = [at(dBranch), at(dy), at(branch)];
      if (D === undefined || Y === undefined || B === undefined) return referenceKernels.blockOutputBackward(dBranch, dgamma, dy, branch, gamma, N, C, HW); // prettier-ignore
      // per thread: float64 partial sums of dgamma, added up here
      const bytes = scratchBytes(2 * C); // C doubles
      const partial = zeros((bytes / 4) * backend.threads);
      const G = at(gamma) ?? putRows(gamma, 1, C);
      backend.run("blockOutputBackward", [D, partial, Y, B, G, C, HW, bytes], N, 1);
      const d = heap.f64;
      for (let c = 0; c < C; c++) {
        let sum = 0;
        for (let t = 0; t < backend.threads; t++) sum += d[((partial + t * bytes) >> 3) + c];
        dgamma[c] = sum;
      }
    }),
    addInto: (out, x, n) => {
      const [O, X] = [at(out), at(x)];
      if (O === undefined || X === undefined) return referenceKernels.addInto(out, x, n);
      backend.run("addInto", [O, X], n, 4096);
    },
    activation: (out, x, n, name) => {
      if (!FAST_ACTIVATIONS.includes(name)) return referenceKernels.activation(out, x, n, name);
      const [X, Y] = [at(x), at(out)];
      if (X === undefined || Y === undefined || n % 8 !== 0) return ops.gelu(out, x, n);
      backend.run("geluRange", [Y, X], n / 8, 1024);
    },
    activationBackward: scoped((dx, dy, x, n, name) => {
      if (!FAST_ACTIVATIONS.includes(name)) return referenceKernels.activationBackward(dx, dy, x, n, name);
      const n4 = Math.ceil(n / 4) * 4;
      const direct = n === n4 && at(dx) !== undefined && at(dy) !== undefined && at(x) !== undefined;
      const DY = direct ? at(dy)! : putRows(dy, 1, n, n4);
      const DX = direct ? at(dx)! : DY;
      backend.run("geluBackward", [DX, DY, direct ? at(x)! : putRows(x, 1, n, n4)], n4 / 4, 1024);
      if (!direct) getRows(dx, DX, 1, n, n4);
    }),
    adamw: (param, expAvg, expAvgSq, grad, n, ...scalars) => {
      const [P, M, V, G] = [at(param), at(expAvg), at(expAvgSq), at(grad)];
      if (P === undefined || M === undefined || V === undefined || G === undefined) {
        return referenceKernels.adamw(param, expAvg, expAvgSq, grad, n, ...scalars); // the same arithmetic
      }
      backend.run("adamw", [P, M, V, G, ...scalars], n, 4096);
    },
  };
}
