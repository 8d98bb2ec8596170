// Node worker_threads for the kernels. Dispatch is synchronous, so forward() stays synchronous: the main
// thread writes a kernel call into a shared control block, wakes the workers with Atomics.notify, runs its
// own share and blocks in Atomics.wait until all are done. Workers are unref'd: they never keep a process
// alive, and dispose() ends them explicitly.

import { Worker } from "node:worker_threads";
import type { ThreadPool, WorkerSpec } from "./pool.js";

// Control block per worker (Int32): [seq, done, start, end, kernel, error]; args (Float64) are shared.
const SLOT = 8;
const SEQ = 0;
const DONE = 1;
const START = 2;
const END = 3;
const KERNEL = 4;
const ERROR = 5;
const MAX_ARGS = 32;
const SPIN = 20000;

// Runs inside each worker (CommonJS, eval'd): spin briefly, then sleep on the sequence number.
const WORKER_MAIN = `
const { workerData } = require("node:worker_threads");
const { spec, control, argsBuffer, index } = workerData;
const ctrl = new Int32Array(control);
const args = new Float64Array(argsBuffer);
const base = index * ${SLOT};
let call;
if (spec.kind === "wasm") {
  const exports = new WebAssembly.Instance(spec.wasmModule, { env: { memory: spec.memory } }).exports;
  const table = spec.kernelNames.map((n) => exports[n]);
  call = (k, a, s, e, tid) => table[k](...a, s, e, tid);
} else {
  const kernels = new Function(spec.jsSource + "\\nreturn [" + spec.kernelNames.join(",") + "];")();
  const mem = { f32: new Float32Array(spec.memory.buffer), f64: new Float64Array(spec.memory.buffer) };
  call = (k, a, s, e, tid) => {
    if (mem.f32.length * 4 !== spec.memory.buffer.byteLength) {
      mem.f32 = new Float32Array(spec.memory.buffer);
      mem.f64 = new Float64Array(spec.memory.buffer);
    }
    kernels[k](mem, ...a, s, e, tid);
  };
}
let seen = 0;
for (;;) {
  let seq = Atomics.load(ctrl, base + ${SEQ});
  for (let spins = 0; seq === seen; seq = Atomics.load(ctrl, base + ${SEQ})) {
    if (++spins > ${SPIN}) { Atomics.wait(ctrl, base + ${SEQ}, seen); spins = 0; }
  }
  if (seq < 0) break;
  seen = seq;
  try {
    const n = args[${MAX_ARGS}];
    const a = [];
    for (let i = 0; i < n; i++) a.push(args[i]);
    call(ctrl[base + ${KERNEL}], a, ctrl[base + ${START}], ctrl[base + ${END}], index + 1);
    ctrl[base + ${ERROR}] = 0;
  } catch (err) {
    ctrl[base + ${ERROR}] = 1;
    console.error("convnext worker:", err);
  }
  Atomics.store(ctrl, base + ${DONE}, seq);
  Atomics.notify(ctrl, base + ${DONE});
}
`;

export class NodeThreadPool implements ThreadPool {
  readonly workers: number;
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly threads: Worker[] = [];
  private seq = 0;
  private active = 0;

  constructor(spec: WorkerSpec) {
    this.workers = spec.workers;
    const control = new SharedArrayBuffer(SLOT * 4 * spec.workers);
    const argsBuffer = new SharedArrayBuffer((MAX_ARGS + 1) * 8);
    this.ctrl = new Int32Array(control);
    this.args = new Float64Array(argsBuffer);
    const data = {
      memory: spec.memory,
      kind: spec.kind,
      wasmModule: spec.wasmModule,
      jsSource: spec.jsSource,
      kernelNames: spec.kernelNames,
    };
    for (let index = 0; index < spec.workers; index++) {
      const worker = new Worker(WORKER_MAIN, { eval: true, workerData: { spec: data, control, argsBuffer, index } });
      worker.unref();
      this.threads.push(worker);
    }
  }

  start(kernelIndex: number, args: readonly number[], ranges: ReadonlyArray<readonly [number, number]>): void {
    if (args.length > MAX_ARGS) throw new Error(`thread pool: ${args.length} kernel arguments (max ${MAX_ARGS})`);
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    this.args[MAX_ARGS] = args.length;
    this.seq = (this.seq % 0x3fffffff) + 1;
    this.active = Math.min(this.workers, ranges.length);
    for (let w = 0; w < this.active; w++) {
      const base = w * SLOT;
      this.ctrl[base + START] = ranges[w][0];
      this.ctrl[base + END] = ranges[w][1];
      this.ctrl[base + KERNEL] = kernelIndex;
      Atomics.store(this.ctrl, base + SEQ, this.seq);
      Atomics.notify(this.ctrl, base + SEQ);
    }
  }

  wait(): void {
    let failed = false;
    for (let w = 0; w < this.active; w++) {
      const base = w * SLOT;
      let spins = 0;
      for (
        let done = Atomics.load(this.ctrl, base + DONE);
        done !== this.seq;
        done = Atomics.load(this.ctrl, base + DONE)
      ) {
        if (++spins > SPIN) {
          Atomics.wait(this.ctrl, base + DONE, done, 50);
          spins = 0;
        }
      }
      if (this.ctrl[base + ERROR]) failed = true;
    }
    this.active = 0;
    if (failed) throw new Error("a kernel failed in a worker thread (see the error printed above)");
  }

  dispose(): void {
    for (let w = 0; w < this.threads.length; w++) {
      Atomics.store(this.ctrl, w * SLOT + SEQ, -1);
      Atomics.notify(this.ctrl, w * SLOT + SEQ);
    }
    for (const t of this.threads) void t.terminate();
    this.threads.length = 0;
  }
}
