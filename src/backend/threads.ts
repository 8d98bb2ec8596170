// Which threads run the kernels. A platform entry (src/node/setup.ts for Node's worker_threads) registers a
// pool factory; without one, Web Workers are used where the platform has them (web-pool.ts); otherwise, or
// with threads = 1, kernels run on the calling thread.

import type { ThreadPoolFactory } from "./pool.js";
import { webThreadPool, webWorkersAvailable } from "./web-pool.js";

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
