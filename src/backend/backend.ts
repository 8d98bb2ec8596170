// A compute backend: the kernel set (wasm SIMD or pure TS), the heap they work in and the threads that
// share the work. Chosen by configureBackend() (or CONVNEXT_BACKEND / CONVNEXT_THREADS in Node); executor.ts
// runs models' plans on it.

import { smallInts } from "./chunk-pool.js";
import { Heap, sharedMemorySupported, threadsSupported } from "./heap.js";
import { JS_HELPERS, JS_KERNELS, type JsMemory } from "./js/kernels.js";
import { KERNEL_CONSTANTS } from "./kernel-constants.generated.js";
import type { ThreadPool } from "./pool.js";
import { defaultThreadCount, threadPoolFactory } from "./threads.js";
import {
  instantiateWasmKernels,
  wasmKernelModule,
  wasmRelaxedSimd,
  wasmSimdSupported,
  weightKernelsLoaded,
  type WasmKernel,
} from "./wasm/wasm-kernels.js";

export type BackendName = "reference" | "js" | "wasm";

export interface BackendOptions {
  /**
   * "auto" (default): wasm where WebAssembly SIMD and shared WebAssembly memory exist (Node, and any current
   * browser, cross-origin isolated or not), else js.
   */
  backend?: BackendName | "auto";
  /**
   * Threads for the kernels (default: one per core: Node's count, or navigator.hardwareConcurrency where Web
   * Workers exist). One where memory cannot be shared with workers (a page that is not cross-origin isolated).
   */
  threads?: number;
}

export const KERNEL_NAMES = Object.keys(JS_KERNELS) as Array<keyof typeof JS_KERNELS>;
export type KernelName = (typeof KERNEL_NAMES)[number];

export class Backend {
  readonly heap: Heap;
  readonly threads: number;
  private local!: (name: KernelName, args: readonly number[], start: number, end: number, tid: number) => void;
  private pool: ThreadPool | null = null;
  // kernels the instantiated wasm module lacks: the 16-bit and int8 GEMMs until the full set is loaded
  private missing = new Set<KernelName>();

  constructor(
    readonly name: "js" | "wasm",
    threads: number,
  ) {
    const shared = sharedMemorySupported();
    if (name === "wasm" && !(shared && wasmSimdSupported())) {
      throw new Error("wasm backend: this platform lacks WebAssembly SIMD128 or shared memory; use the js backend");
    }
    this.heap = new Heap(shared);
    const wanted = threadsSupported() && threadPoolFactory() ? Math.max(1, Math.floor(threads)) : 1;
    if (name === "wasm") {
      this.instantiate();
    } else {
      const heap = this.heap;
      const mem: JsMemory = { f32: heap.f32, f64: heap.f64, k: KERNEL_CONSTANTS };
      this.local = (kernel, args, start, end, tid) => {
        mem.f32 = heap.f32;
        mem.f64 = heap.f64;
        (JS_KERNELS[kernel] as (...a: unknown[]) => void)(mem, ...smallInts(args), start, end, tid);
      };
    }
    if (wanted > 1) this.startPool(wanted - 1);
    this.threads = this.pool ? wanted : 1;
  }

  /** The wasm kernels (the full set when loaded, else the core ones) instantiated on this backend's memory. */
  private instantiate(): void {
    const exports = instantiateWasmKernels(this.heap.memory);
    exports.initConstants(); // the SIMD constant table at bytes 256..656, below the heap's first block
    const table = KERNEL_NAMES.map((k) => exports[k] as WasmKernel | undefined);
    this.missing = new Set(KERNEL_NAMES.filter((_, i) => !table[i]));
    this.local = (kernel, args, start, end, tid) => table[KERNEL_NAMES.indexOf(kernel)]!(...args, start, end, tid);
  }

  private startPool(workers: number): void {
    const factory = threadPoolFactory();
    if (!factory) return;
    try {
      this.pool = factory({
        kind: this.name,
        memory: this.heap.memory,
        kernelNames: KERNEL_NAMES,
        workers,
        ...(this.name === "wasm"
          ? { wasmModule: wasmKernelModule() }
          : { jsSource: jsKernelSource(), constants: KERNEL_CONSTANTS }),
      });
    } catch {
      // workers cannot be started here (e.g. a Content-Security-Policy without worker-src blob:): one thread
    }
  }

  /**
   * A kernel the core wasm module lacks (a GEMM on 16-bit or int8 weights): the full set, once loaded, is
   * instantiated on the same memory in place of the core one, and the worker threads restart with it.
   */
  private switchToFullKernels(kernel: KernelName): void {
    if (!weightKernelsLoaded()) {
      throw new Error(
        `wasm backend: ${kernel} (weights held in 16 bits or int8) is among the kernels loaded on demand; ` +
          "await loadWeightKernels() before running the model (fromPretrained does it for a model that needs them)",
      );
    }
    this.instantiate();
    const workers = this.pool?.workers ?? 0;
    this.pool?.dispose();
    this.pool = null;
    if (workers > 0) this.startPool(workers);
  }

  /** The kernel build: "js", "wasm", or "wasm-relaxed" (the relaxed-SIMD build, with fused multiply-add). */
  get kernels(): "js" | "wasm" | "wasm-relaxed" {
    return this.name === "wasm" && wasmRelaxedSimd() ? "wasm-relaxed" : this.name;
  }

  /**
   * Runs `kernel(...args, start, end, tid)` over [0, total), split across the threads in chunks that are
   * multiples of `grain` and (when there is enough work) at least `minChunk` long.
   */
  run(kernel: KernelName, args: readonly number[], total: number, grain: number, minChunk = grain): void {
    if (total <= 0) return;
    if (this.missing.has(kernel)) this.switchToFullKernels(kernel);
    const pool = this.pool;
    if (!pool || total <= grain) {
      this.local(kernel, args, 0, total, 0);
      return;
    }
    // about four chunks per thread: fine enough to rebalance when the OS delays a thread, coarse enough
    // that per-call work (the GEMM's panel packing) stays small
    const units = Math.ceil(total / grain);
    const chunk = Math.max(Math.ceil(units / Math.min(units, 4 * (pool.workers + 1))) * grain, minChunk);
    pool.start(KERNEL_NAMES.indexOf(kernel), args, total, chunk);
    try {
      for (let c = pool.nextChunk(); c * chunk < total; c = pool.nextChunk()) {
        this.local(kernel, args, c * chunk, Math.min(total, (c + 1) * chunk), 0);
      }
    } finally {
      pool.wait();
    }
  }

  /** Chunks of kernel work that worker threads (not the calling thread) have run; 0 without workers. */
  get workerChunks(): number {
    return this.pool?.workerChunks ?? 0;
  }

  dispose(): void {
    this.pool?.dispose();
    this.pool = null;
  }
}

/**
 * The pure-TS kernels as one self-contained function body returning them in dispatch order (for worker
 * threads). Kernels are taken as expressions, not by name, so a minifier's renaming does not break it.
 */
export function jsKernelSource(): string {
  const helpers = JS_HELPERS.map((f) => f.toString()).join("\n");
  return `${helpers}\nreturn [${KERNEL_NAMES.map((k) => `(${JS_KERNELS[k].toString()})`).join(",\n")}];`;
}

let defaults: Required<BackendOptions> = { backend: "auto", threads: 0 };
let configurationError: string | null = null;

/** An invalid setting from the environment: reported by the first getBackend(), not at import time. */
export function setConfigurationError(message: string | null): void {
  configurationError = message;
}
const instances = new Map<string, Backend>();

/** Sets the backend and thread count used by every model's forward() from now on. */
export function configureBackend(options: BackendOptions): void {
  if (options.backend !== undefined && !["auto", "reference", "js", "wasm"].includes(options.backend)) {
    throw new Error(`unknown backend "${options.backend}"; expected auto, reference, js or wasm`);
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 0)) {
    throw new Error(`threads must be a non-negative integer (0 = one per core), got ${options.threads}`);
  }
  defaults = { ...defaults, ...options };
  configurationError = null; // an explicit configuration replaces the environment's
}

export function backendOptions(): Required<BackendOptions> {
  return { ...defaults };
}

/** The name "auto" resolves to. */
export function resolveBackendName(name: BackendName | "auto"): BackendName {
  if (name !== "auto") return name;
  return sharedMemorySupported() && wasmSimdSupported() ? "wasm" : "js";
}

/** The shared Backend for the given options (default: the configured ones); null means the reference path. */
export function getBackend(options: BackendOptions = {}): Backend | null {
  if (configurationError) throw new Error(configurationError);
  const name = resolveBackendName(options.backend ?? defaults.backend);
  if (name === "reference") return null;
  const threads = options.threads || defaults.threads || defaultThreadCount();
  const key = `${name}/${threads}`;
  let backend = instances.get(key);
  if (!backend) {
    backend = new Backend(name, threads);
    instances.set(key, backend);
  }
  return backend;
}

/** Stops every backend's worker threads (they are unref'd, so a process exits without this too). */
export function disposeBackends(): void {
  for (const b of instances.values()) b.dispose();
  instances.clear();
}
