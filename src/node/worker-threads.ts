// Node worker_threads for the kernels (see chunk-pool.ts for how work is shared). Workers are unref'd:
// they never keep a process alive, and dispose() ends them explicitly.

import { Worker } from "node:worker_threads";
import { ChunkPool, WORKER_SOURCE } from "../backend/chunk-pool.js";
import type { WorkerSpec } from "../backend/pool.js";

const PRELUDE = `${WORKER_SOURCE}\nrunWorker(require("node:worker_threads").workerData);\n`;

/** The parent's options, but the prelude is CommonJS even under `node --input-type=module -e ...`. */
function workerExecArgv(): string[] {
  const argv = process.execArgv;
  return argv.filter((a, i) => !a.startsWith("--input-type") && argv[i - 1] !== "--input-type");
}

export function nodeThreadPool(spec: WorkerSpec): ChunkPool {
  const spawn = (workerData: unknown) => {
    const worker = new Worker(PRELUDE, { eval: true, workerData, execArgv: workerExecArgv() });
    worker.unref();
    return worker;
  };
  return new ChunkPool(spec, spawn, true);
}
