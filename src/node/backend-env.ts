// Node registration: worker threads for the kernels (one per core by default), the full wasm kernel set (with
// the GEMMs for 16-bit and int8 weights, which browsers load on demand) and the CONVNEXT_BACKEND /
// CONVNEXT_THREADS environment variables. Imported by src/node.ts (the library's Node entry and the CLI), never by the core.

import { availableParallelism } from "node:os";
import { configureBackend, setConfigurationError, type BackendName } from "../backend/backend.js";
import { nodeThreadPool } from "./worker-threads.js";
import { registerThreadPoolFactory } from "../backend/threads.js";
import { registerWeightKernels } from "../backend/wasm/wasm-kernels.js";
import * as weightKernels from "../backend/wasm/weight-kernels.generated.js";

registerThreadPoolFactory(nodeThreadPool, availableParallelism());
registerWeightKernels(weightKernels);

const backend = process.env.CONVNEXT_BACKEND;
const threads = process.env.CONVNEXT_THREADS;
const errors: string[] = [];
if (backend && !["auto", "reference", "js", "wasm"].includes(backend)) {
  errors.push(`CONVNEXT_BACKEND="${backend}" is not one of auto, reference, js, wasm`);
}
const n = Number(threads);
if (threads && !(Number.isInteger(n) && n >= 0)) {
  errors.push(`CONVNEXT_THREADS="${threads}" is not a non-negative integer (0 = one per core)`);
}
if (errors.length === 0) {
  if (backend) configureBackend({ backend: backend as BackendName | "auto" });
  if (threads) configureBackend({ threads: n });
} else {
  setConfigurationError(errors.join("; "));
}
