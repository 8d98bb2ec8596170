// The options of every command that runs the model: --threads N and --backend NAME (over CONVNEXT_THREADS and
// CONVNEXT_BACKEND), and --verbose, which reports the backend, the threads and the time per image on stderr.

import { configureBackend, getBackend, type BackendName } from "../backend/backend.js";
import { CliError } from "./command.js";

export const RUN_OPTIONS = {
  threads: { type: "string" },
  backend: { type: "string" },
  verbose: { type: "boolean", default: false },
} as const;

export const RUN_HELP = `  --threads N            kernel threads (default: CONVNEXT_THREADS, else one per core)
  --backend NAME         auto | wasm | js | reference (default: CONVNEXT_BACKEND, else auto)
  --verbose              print the backend, threads and ms per image on stderr`;

const BACKENDS = ["auto", "wasm", "js", "reference"];

/** Applies --threads / --backend (flags win over the environment); returns whether --verbose is on. */
export function applyRunOptions(values: { threads?: string; backend?: string; verbose?: boolean }): boolean {
  if (values.backend !== undefined && !BACKENDS.includes(values.backend)) {
    throw new CliError(`--backend must be one of ${BACKENDS.join(", ")}, got "${values.backend}"`);
  }
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1) {
      throw new CliError(`--threads must be a positive integer, got "${values.threads}"`);
    }
  }
  if (values.backend !== undefined) configureBackend({ backend: values.backend as BackendName | "auto" });
  if (threads !== undefined) configureBackend({ threads });
  const verbose = values.verbose === true;
  if (verbose) console.error(`backend: ${describeBackend()}`);
  return verbose;
}

/** "wasm-relaxed, 2 threads" / "reference kernels, 1 thread". */
export function describeBackend(): string {
  const backend = getBackend();
  if (!backend) return "reference kernels, 1 thread";
  return `${backend.kernels}, ${backend.threads} thread${backend.threads === 1 ? "" : "s"}`;
}
