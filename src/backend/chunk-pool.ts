// The thread pool behind both platforms' workers (Node worker_threads, Web Workers), with no platform API
// of its own. Dispatch is synchronous, so forward() stays synchronous: the main thread publishes a kernel
// call in a shared control block and wakes the workers; then every thread, main included, takes chunks of
// the index range from a shared counter until none is left, and the main thread waits only for chunks that
// were taken. A worker the OS delays (or that has not started yet) simply takes fewer chunks or none, so a
// busy machine slows a pass down instead of stalling it on one thread.

import type { ThreadPool, WorkerSpec } from "./pool.js";

// Control block (Int32). COUNTER packs (epoch << 20 | next chunk index): a worker that read the arguments
// of an older call can never take a chunk of a newer one, because its compare-exchange fails.
const COUNTER = 0;
const COMPLETED = 1;
const CHUNKS = 2;
const TOTAL = 3;
const CHUNK = 4;
const KERNEL = 5;
const ERROR = 6;
// chunks run by workers since the pool started (diagnostics and tests), on its own cache line: the others
// are polled by every thread
const WORKER_CHUNKS = 16;
const CONTROL_INTS = 32;
const INDEX_BITS = 20;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
const LOCKED = INDEX_MASK; // no chunk may be taken while arguments are being written
const MAX_ARGS = 32;
// Spin this long before sleeping: waking an idle core costs more than a LayerNorm takes, while kernel calls
// follow each other within microseconds (bench/RESULTS.md, "Why the kernels look as they do").
const SPIN_MS = 2;

/** What each worker receives: the kernels, the memory, the control block and its thread index - 1. */
export interface WorkerData {
  spec: Omit<WorkerSpec, "workers">;
  control: SharedArrayBuffer;
  argsBuffer: SharedArrayBuffer;
  index: number;
}

/**
 * Kernel arguments as the pure-TS kernels must receive them: integers as small integers. V8 may hand back
 * an integral offset as a double (from optimized code), and an argument list holding doubles is spread as
 * boxed doubles: the kernels then deoptimize ("not a Smi") and are recompiled with float64 index
 * arithmetic, a third slower (bench/RESULTS.md). Array.from, not a literal that
 * is pushed to: a literal's allocation site remembers that one call (LayerNorm's eps) held a double, and
 * every later list starts as doubles. Used by the calling thread (backend.ts) and the workers.
 */
export function smallInts(args: ArrayLike<number>): number[] {
  return Array.from(args, (v) => (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? v | 0 : v));
}

/**
 * The worker's script: defines runWorker(data: WorkerData), which never returns; the platform's prelude
 * calls it (plain script, no imports, so it runs as a Node eval'd worker and as a Web Worker alike).
 */
export const WORKER_SOURCE = `
const smallInts = ${smallInts.toString()}; // bound to this name: a minifier may have renamed the function
function runWorker({ spec, control, argsBuffer, index }) {
const ctrl = new Int32Array(control);
const args = new Float64Array(argsBuffer);
let call;
if (spec.kind === "wasm") {
  const exports = new WebAssembly.Instance(spec.wasmModule, { env: { memory: spec.memory } }).exports;
  const table = spec.kernelNames.map((n) => exports[n]);
  call = (k, a, s, e, tid) => table[k](...a, s, e, tid);
} else {
  const kernels = new Function(spec.jsSource)();
  const mem = { f32: new Float32Array(spec.memory.buffer), f64: new Float64Array(spec.memory.buffer), k: spec.constants };
  call = (k, a, s, e, tid) => {
    if (mem.f32.length * 4 !== spec.memory.buffer.byteLength) {
      mem.f32 = new Float32Array(spec.memory.buffer);
      mem.f64 = new Float64Array(spec.memory.buffer);
    }
    kernels[k](mem, ...a, s, e, tid);
  };
}
let idleSince = 0;
let spins = 0;
for (;;) {
  const c = Atomics.load(ctrl, ${COUNTER});
  if (c === -1) break;
  const i = c & ${INDEX_MASK};
  // atomic reads throughout: a plain read in this spin loop may be hoisted out of it by the JIT
  const chunks = Atomics.load(ctrl, ${CHUNKS});
  if (i === ${LOCKED} || i >= chunks) {
    // nothing to take: spin a little, then sleep until the counter changes
    if ((++spins & 1023) !== 0) continue;
    const now = performance.now();
    if (idleSince === 0) idleSince = now;
    else if (now - idleSince > ${SPIN_MS}) { Atomics.wait(ctrl, ${COUNTER}, c); idleSince = 0; }
    continue;
  }
  idleSince = 0;
  const a = smallInts(args.subarray(0, args[${MAX_ARGS}]));
  const total = Atomics.load(ctrl, ${TOTAL});
  const chunk = Atomics.load(ctrl, ${CHUNK});
  const kernel = Atomics.load(ctrl, ${KERNEL});
  if (Atomics.compareExchange(ctrl, ${COUNTER}, c, c + 1) !== c) continue; // lost the race, or a new call
  try {
    call(kernel, a, i * chunk, Math.min(total, (i + 1) * chunk), index + 1);
  } catch (err) {
    Atomics.store(ctrl, ${ERROR}, 1);
    console.error("convnext worker:", err);
  }
  Atomics.add(ctrl, ${WORKER_CHUNKS}, 1);
  Atomics.add(ctrl, ${COMPLETED}, 1);
  Atomics.notify(ctrl, ${COMPLETED});
}
}
`;

/** A started worker, as far as the pool is concerned. */
export interface WorkerHandle {
  terminate(): unknown;
}

export class ChunkPool implements ThreadPool {
  readonly workers: number;
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly threads: WorkerHandle[] = [];
  private epoch = 0;
  private chunks = 0;

  /**
   * spawn starts one worker running WORKER_SOURCE's runWorker(data). canBlock: whether this thread may
   * Atomics.wait (not a browser's main thread; there wait() only spins).
   */
  constructor(
    spec: WorkerSpec,
    spawn: (data: WorkerData) => WorkerHandle,
    private readonly canBlock: boolean,
  ) {
    this.workers = spec.workers;
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    const argsBuffer = new SharedArrayBuffer((MAX_ARGS + 1) * 8);
    this.ctrl = new Int32Array(control);
    this.args = new Float64Array(argsBuffer);
    this.ctrl[COUNTER] = LOCKED;
    const data = {
      memory: spec.memory,
      kind: spec.kind,
      wasmModule: spec.wasmModule,
      jsSource: spec.jsSource,
      constants: spec.constants,
      kernelNames: spec.kernelNames,
    };
    try {
      for (let index = 0; index < spec.workers; index++) {
        this.threads.push(spawn({ spec: data, control, argsBuffer, index }));
      }
    } catch (err) {
      this.dispose(); // the workers already started
      throw err;
    }
  }

  /** Chunks the workers (not the main thread) have run so far. */
  get workerChunks(): number {
    return Atomics.load(this.ctrl, WORKER_CHUNKS);
  }

  start(kernelIndex: number, args: readonly number[], total: number, chunk: number): void {
    if (args.length > MAX_ARGS) throw new Error(`thread pool: ${args.length} kernel arguments (max ${MAX_ARGS})`);
    this.epoch = (this.epoch + 1) & 0x3ff;
    const tag = this.epoch << INDEX_BITS;
    Atomics.store(this.ctrl, COUNTER, tag | LOCKED);
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    this.args[MAX_ARGS] = args.length;
    this.chunks = Math.ceil(total / chunk);
    Atomics.store(this.ctrl, TOTAL, total);
    Atomics.store(this.ctrl, CHUNK, chunk);
    Atomics.store(this.ctrl, KERNEL, kernelIndex);
    Atomics.store(this.ctrl, CHUNKS, this.chunks);
    Atomics.store(this.ctrl, ERROR, 0);
    Atomics.store(this.ctrl, COMPLETED, 0);
    Atomics.store(this.ctrl, COUNTER, tag); // open: chunk 0 is next
    Atomics.notify(this.ctrl, COUNTER);
  }

  nextChunk(): number {
    for (;;) {
      const c = Atomics.load(this.ctrl, COUNTER);
      const i = c & INDEX_MASK;
      if (i >= this.chunks) return this.chunks;
      if (Atomics.compareExchange(this.ctrl, COUNTER, c, c + 1) === c) {
        Atomics.add(this.ctrl, COMPLETED, 1); // counted up front: the main thread runs it before waiting
        return i;
      }
    }
  }

  wait(): void {
    let spins = 0;
    let since = 0;
    for (let done = Atomics.load(this.ctrl, COMPLETED); done < this.chunks; done = Atomics.load(this.ctrl, COMPLETED)) {
      if ((++spins & 1023) !== 0) continue;
      const now = performance.now();
      if (since === 0) since = now;
      else if (now - since > SPIN_MS && this.canBlock) Atomics.wait(this.ctrl, COMPLETED, done, 1);
    }
    if (Atomics.load(this.ctrl, ERROR))
      throw new Error("a kernel failed in a worker thread (see the error printed above)");
  }

  dispose(): void {
    Atomics.store(this.ctrl, COUNTER, -1);
    Atomics.notify(this.ctrl, COUNTER);
    for (const t of this.threads) void t.terminate();
    this.threads.length = 0;
  }
}
