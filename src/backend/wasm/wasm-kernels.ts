// Loads the AssemblyScript SIMD kernels from the base64 modules generated at build time: no file or network
// access, so it works the same in Node, browsers and bundles. Two builds ship: SIMD128, and relaxed SIMD
// (fused multiply-add in the GEMM), used wherever the engine validates it (Chrome 114+, Node 22+, or Node
// 20 with --experimental-wasm-relaxed-simd); every thread of a backend gets the same module.

import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from "./kernels.generated.js";

let bytes: Uint8Array<ArrayBuffer> | null = null;
let compiled: WebAssembly.Module | null = null;
let supported: boolean | null = null;
let relaxed: boolean | null = null;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const text = atob(b64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function validates(module: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(module);
  } catch {
    return false;
  }
}

/** Whether the kernels run the relaxed-SIMD build (fused multiply-add). */
export function wasmRelaxedSimd(): boolean {
  if (relaxed === null) relaxed = validates(decode(KERNELS_RELAXED_WASM_BASE64));
  return relaxed;
}

export function wasmKernelBytes(): Uint8Array<ArrayBuffer> {
  if (!bytes) bytes = decode(wasmRelaxedSimd() ? KERNELS_RELAXED_WASM_BASE64 : KERNELS_WASM_BASE64);
  return bytes;
}

/** SIMD128 and shared memory (threads): validating the kernel module itself checks both. */
export function wasmSimdSupported(): boolean {
  if (supported === null) supported = validates(wasmKernelBytes());
  return supported;
}

export function wasmKernelModule(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(wasmKernelBytes());
  return compiled;
}

export type WasmKernel = (...args: number[]) => void;

/** Instantiates the kernels on `memory` (which must be shared: the module imports a shared memory). */
export function instantiateWasmKernels(memory: WebAssembly.Memory): Record<string, WasmKernel> {
  const instance = new WebAssembly.Instance(wasmKernelModule(), { env: { memory } });
  return instance.exports as unknown as Record<string, WasmKernel>;
}
