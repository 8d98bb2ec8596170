// Loads the AssemblyScript SIMD kernels from the modules generated at build time: no file or network access,
// so it works the same in Node, browsers and bundles. Two builds ship: SIMD128, and relaxed SIMD (fused
// multiply-add in the GEMM), used wherever the engine validates it (Chrome 114+, Node 22+, or Node 20 with
// --experimental-wasm-relaxed-simd); every thread of a backend gets the same module.
// The core kernels come with every page. The full set, with the GEMMs for weights held in 16 bits or int8
// (gemm16, gemmInt8), is another module, imported when a model needs it (loadWeightKernels: fromPretrained
// calls it for such a model; the Node entry registers it at start-up); backends then switch to it.

import { KERNELS_RELAXED_WASM_DELTA, KERNELS_WASM_HEX } from "./kernels.generated.js";

/** A generated kernel module: the SIMD128 build in hex, the relaxed-SIMD build as a delta against it. */
export interface KernelBuilds {
  KERNELS_WASM_HEX: string;
  KERNELS_RELAXED_WASM_DELTA: ReadonlyArray<number | string>;
}

interface Kernels {
  builds: KernelBuilds;
  bytes?: Uint8Array<ArrayBuffer>;
  compiled?: WebAssembly.Module;
}

const core: Kernels = { builds: { KERNELS_WASM_HEX, KERNELS_RELAXED_WASM_DELTA } };
let full: Kernels | null = null;
let supported: boolean | null = null;
let relaxed: boolean | null = null;

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

/** The build `relaxedSimd` asks for: the relaxed one is the SIMD one's bytes with the delta's changes. */
function decode(builds: KernelBuilds, relaxedSimd: boolean): Uint8Array<ArrayBuffer> {
  const simd = fromHex(builds.KERNELS_WASM_HEX);
  if (!relaxedSimd) return simd;
  const ops = builds.KERNELS_RELAXED_WASM_DELTA;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    parts.push(typeof op === "string" ? fromHex(op) : simd.subarray(op, op + (ops[++i] as number)));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
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
  if (relaxed === null) relaxed = validates(decode(core.builds, true));
  return relaxed;
}

function bytesOf(kernels: Kernels): Uint8Array<ArrayBuffer> {
  if (!kernels.bytes) kernels.bytes = decode(kernels.builds, wasmRelaxedSimd());
  return kernels.bytes;
}

/** SIMD128 and shared memory (threads): validating the kernel module itself checks both. */
export function wasmSimdSupported(): boolean {
  if (supported === null) supported = validates(bytesOf(core));
  return supported;
}

/** The kernel module to run: the full set once it is loaded, else the core kernels. */
export function wasmKernelModule(): WebAssembly.Module {
  const kernels = full ?? core;
  if (!kernels.compiled) kernels.compiled = new WebAssembly.Module(bytesOf(kernels));
  return kernels.compiled;
}

/** Whether the full set (the 16-bit and int8 GEMMs) is loaded. */
export function weightKernelsLoaded(): boolean {
  return full !== null;
}

/** Makes the full set the kernels backends run (the Node entry, statically; browsers via loadWeightKernels). */
export function registerWeightKernels(builds: KernelBuilds): void {
  full ??= { builds };
}

/**
 * Loads the kernels for weights held in 16 bits or int8 (a separate module, fetched once). fromPretrained
 * calls it for a model that holds such weights; call it yourself before running a model whose parameters you
 * converted or assigned by hand, in a browser.
 */
export async function loadWeightKernels(): Promise<void> {
  if (!full) registerWeightKernels(await import("./weight-kernels.generated.js"));
}

export type WasmKernel = (...args: number[]) => void;

/** Instantiates the kernels on `memory` (which must be shared: the module imports a shared memory). */
export function instantiateWasmKernels(memory: WebAssembly.Memory): Record<string, WasmKernel> {
  const instance = new WebAssembly.Instance(wasmKernelModule(), { env: { memory } });
  return instance.exports as unknown as Record<string, WasmKernel>;
}
