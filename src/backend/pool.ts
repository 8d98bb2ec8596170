// Threads behind an interface. A platform entry (src/backend/node.ts for Node) registers a factory; without
// one, Web Workers are used where the platform has them (web-pool.ts); otherwise, or with threads = 1,
// kernels run on the calling thread.

import { webThreadPool, webWorkersAvailable } from "./web-pool.js";

/** What a worker needs to run the same kernels on the same memory. */
export interface WorkerSpec {
  kind: "wasm" | "js";
  memory: WebAssembly.Memory;
  /** wasm: the compiled kernel module. */
  wasmModule?: WebAssembly.Module;
  /** js: the kernels' source text (self-contained functions) and their names, in dispatch order. */
  jsSource?: string;
  kernelNames: readonly string[];
  workers: number;
}

export interface ThreadPool {
  readonly workers: number;
  /**
   * Starts `kernel(...args, start, end, tid)` on the workers (tid 1, 2, ...) over chunks of [0, total):
   * each thread takes the next `chunk`-sized range from a shared counter (nextChunk) until none is left,
   * so a thread the OS delays simply takes fewer chunks. Returns at once.
   */
  start(kernelIndex: number, args: readonly number[], total: number, chunk: number): void;
  /** The next chunk index for the calling (main) thread, from the same counter the workers use. */
  nextChunk(): number;
  /** Blocks until every started worker has finished; rethrows a worker's error. */
  wait(): void;
  /** Chunks the workers (not the calling thread) have run so far. */
  readonly workerChunks: number;
  dispose(): void;
}

export type ThreadPoolFactory = (spec: WorkerSpec) => ThreadPool;

let factory: ThreadPoolFactory | null = null;
let defaultThreads = 1;

export function registerThreadPoolFactory(create: ThreadPoolFactory, cores: number): void {
  factory = create;
  defaultThreads = Math.max(1, cores);
}

export function threadPoolFactory(): ThreadPoolFactory | null {
  return factory ?? (webWorkersAvailable() ? webThreadPool : null);
}

export function defaultThreadCount(): number {
  if (factory || !webWorkersAvailable()) return defaultThreads;
  return Math.max(
    1,
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1,
  );
}
