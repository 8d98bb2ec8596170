// Node registration: worker threads for the kernels (one per core by default) and the CONVNEXT_BACKEND /
// CONVNEXT_THREADS environment variables. Imported by the Node entry (src/index.ts), never by the core.

import { availableParallelism } from "node:os";
import { configureBackend, type BackendName } from "./backend.js";
import { NodeThreadPool } from "./node-pool.js";
import { registerThreadPoolFactory } from "./pool.js";

registerThreadPoolFactory((spec) => new NodeThreadPool(spec), availableParallelism());

const backend = process.env.CONVNEXT_BACKEND;
const threads = process.env.CONVNEXT_THREADS;
if (backend) {
  if (!["auto", "reference", "js", "wasm"].includes(backend)) {
    throw new Error(`CONVNEXT_BACKEND="${backend}" is not one of auto, reference, js, wasm`);
  }
  configureBackend({ backend: backend as BackendName | "auto" });
}
if (threads) {
  const n = Number(threads);
  if (!Number.isInteger(n) || n < 0) throw new Error(`CONVNEXT_THREADS="${threads}" is not a non-negative integer`);
  configureBackend({ threads: n });
}
