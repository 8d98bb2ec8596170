// Web Workers for the kernels, where the platform has them (browsers, Deno, Bun) and can share memory (in a
// browser: a cross-origin isolated page; without shared memory every backend runs on one thread). The
// workers run the same script as Node's (chunk-pool.ts), loaded from a Blob URL, so no file is fetched.
// They start asynchronously: until a worker has received its message, which needs the calling thread to
// return to its event loop once, forward() simply runs every chunk itself. A browser's main thread may not
// block, so there the pool waits for the workers by spinning.

import { ChunkPool, WORKER_SOURCE, type WorkerData } from "./chunk-pool.js";
import type { WorkerSpec } from "./pool.js";

/** As much of the Web Worker constructor as the pool uses. */
export type WebWorkerConstructor = new (
  url: string,
  options: { type: "module"; name: string },
) => { postMessage(data: unknown): void; terminate(): void };

const SCRIPT = `${WORKER_SOURCE}\nself.onmessage = (e) => { self.onmessage = null; runWorker(e.data); };\n`;

function workerConstructor(): WebWorkerConstructor | null {
  const ctor = (globalThis as { Worker?: unknown }).Worker;
  return typeof ctor === "function" && typeof Blob === "function" && typeof URL.createObjectURL === "function"
    ? (ctor as WebWorkerConstructor)
    : null;
}

export function webWorkersAvailable(): boolean {
  return workerConstructor() !== null;
}

/** Whether this thread may Atomics.wait (a browser's main thread may not: the call throws). */
function threadCanBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export function webThreadPool(spec: WorkerSpec): ChunkPool {
  const Worker = workerConstructor();
  if (!Worker) throw new Error("Web Workers are not available on this platform");
  // kept for the pool's lifetime: a worker may fetch its script after the constructor returns
  const url = URL.createObjectURL(new Blob([SCRIPT], { type: "text/javascript" }));
  const spawn = (data: WorkerData) => {
    const worker = new Worker(url, { type: "module", name: `convnext kernels ${data.index + 1}` });
    worker.postMessage(data);
    return worker;
  };
  return new ChunkPool(spec, spawn, threadCanBlock());
}
