// Loads the AssemblyScript SIMD kernels from the base64 module generated at build time: no file or network
// access, so it works the same in Node, browsers and bundles.

import { KERNELS_WASM_BASE64 } from "./kernels.generated.js";

let bytes: Uint8Array<ArrayBuffer> | null = null;
let compiled: WebAssembly.Module | null = null;
let supported: boolean | null = null;

export function wasmKernelBytes(): Uint8Array<ArrayBuffer> {
  if (!bytes) {
    const text = atob(KERNELS_WASM_BASE64);
    bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  }
  return bytes;
}

/** SIMD128 and shared memory (threads): validating the kernel module itself checks both. */
export function wasmSimdSupported(): boolean {
  if (supported === null) {
    try {
      supported = typeof WebAssembly === "object" && WebAssembly.validate(wasmKernelBytes());
    } catch {
      supported = false;
    }
  }
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
