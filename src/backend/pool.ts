// Threads behind an interface: what a pool of kernel workers must do (chunk-pool.ts implements it for both
// platforms' workers; threads.ts picks the platform's).

/** What a worker needs to run the same kernels on the same memory. */
export interface WorkerSpec {
  kind: "wasm" | "js";
  memory: WebAssembly.Memory;
  /** wasm: the compiled kernel module. */
  wasmModule?: WebAssembly.Module;
  /** js: the kernels' source text, a function body returning them in dispatch order, and their constants. */
  jsSource?: string;
  constants?: Record<string, number>;
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
