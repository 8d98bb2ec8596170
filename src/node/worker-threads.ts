// Node worker_threads for the kernels (see chunk-pool.ts for how work is shared). Workers are unref'd:
// they never keep a process alive, and dispose() ends them explicitly.

import { Worker } from "node:worker_threads";
import { ChunkPool, WORKER_SOURCE } from "../backend/chunk-pool.js";
import type { WorkerSpec } from "../backend/pool.js";

// import(), not require(): the workers inherit the parent's options, and under `node --input-type=module -e`
// their eval'd source is an ES module, where require is not defined (a V8 flag cannot be filtered out of
// execArgv either: the Worker constructor refuses one passed explicitly)
const PRELUDE = `${WORKER_SOURCE}\nimport("node:worker_threads").then((m) => runWorker(m.workerData));\n`;

export function nodeThreadPool(spec: WorkerSpec): ChunkPool {
  const spawn = (workerData: unknown) => {
    const worker = new Worker(PRELUDE, { eval: true, workerData });
    worker.unref();
    return worker;
  };
  return new ChunkPool(spec, spawn, true);
}
