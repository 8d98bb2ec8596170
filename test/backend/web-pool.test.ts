// The Web Worker pool (src/backend/web-pool.ts), as a browser or Deno would use it: no Node registration
// (only the core is imported), a global Worker, the worker script from a Blob URL, started by postMessage.
// Node has no Web Worker, so a stand-in built on worker_threads plays the part; it runs the script exactly
// as the pool wrote it. Checked: the pool is the one used, the workers take part of the work, and the model
// still matches transformers.
import { readFileSync } from "node:fs";
import { resolveObjectURL } from "node:buffer";
import { Worker as NodeWorker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import {
  configureBackend,
  ConvNextForImageClassification,
  disposeBackends,
  getBackend,
  loadPretrained,
  memoryFiles,
} from "../../src/core.js";
import { fixture, readTensors, toleranceRatio } from "../helpers/helpers.js";

class BrowserLikeWorker {
  static created = 0;
  private worker: NodeWorker | null = null;
  private readonly pending: unknown[] = [];
  private terminated = false;

  constructor(url: string, options: { type: string; name: string }) {
    expect(options.type).toBe("module");
    const blob = resolveObjectURL(url);
    if (!blob) throw new Error(`no Blob behind ${url}`);
    BrowserLikeWorker.created++;
    // messages reach the script as events on `self`, as in a Web Worker
    const prelude =
      "const self = globalThis;\n" +
      'require("node:worker_threads").parentPort.on("message", (data) => self.onmessage?.({ data }));\n';
    void blob.text().then((script) => {
      if (this.terminated) return;
      this.worker = new NodeWorker(prelude + script, { eval: true });
      this.worker.unref();
      for (const message of this.pending) this.worker.postMessage(message);
    });
  }

  postMessage(data: unknown): void {
    if (this.worker) this.worker.postMessage(data);
    else this.pending.push(data);
  }

  terminate(): void {
    this.terminated = true;
    void this.worker?.terminate();
  }
}

const global = globalThis as { Worker?: unknown };
global.Worker = BrowserLikeWorker;
afterAll(() => {
  disposeBackends();
  delete global.Worker;
});

const dir = fixture("tiny-classifier");
const files = memoryFiles("tiny-classifier", {
  "config.json": new Uint8Array(readFileSync(`${dir}/config.json`)),
  "model.safetensors": new Uint8Array(readFileSync(`${dir}/model.safetensors`)),
});
const expected = readTensors(fixture("tiny-classifier", "expected.safetensors"));

describe.each(["wasm", "js"] as const)("Web Worker pool, %s kernels", (backendName) => {
  it("runs part of every forward pass on the workers and keeps HF parity", async () => {
    const before = BrowserLikeWorker.created;
    configureBackend({ backend: backendName, threads: 2 });
    const backend = getBackend()!;
    expect(backend.threads).toBe(2);
    expect(BrowserLikeWorker.created - before).toBe(1); // the Web Worker pool, not Node's
    const model = (await loadPretrained(files, { onWarning: () => {} })) as ConvNextForImageClassification;
    const pixels = expected.get("pixel_values")!;
    // the worker starts only after this thread has yielded (until then a pass runs on one thread), and a
    // busy machine may not schedule it during a short pass: retry until a pass had chunks run by the worker
    let out = model.forward(pixels, { outputHiddenStates: true });
    let ran = 0;
    for (let tries = 0; ran === 0 && tries < 300; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const before = backend.workerChunks;
      out = model.forward(pixels, { outputHiddenStates: true });
      ran = backend.workerChunks - before;
    }
    expect(ran).toBeGreaterThan(0);
    const actual = new Map([
      ["logits", out.logits],
      ["last_hidden_state", out.lastHiddenState],
      ...out.hiddenStates!.map((h, i) => [`hidden_states.${i}`, h] as const),
    ]);
    for (const [key, a] of actual) {
      expect(toleranceRatio(a.data, expected.get(key)!.data), key).toBeLessThanOrEqual(1);
    }
  });
});

it("runs on one thread when workers cannot be started (e.g. a CSP without worker-src blob:)", async () => {
  disposeBackends();
  global.Worker = class {
    constructor() {
      throw new Error("Refused to create a worker from 'blob:...' (Content-Security-Policy)");
    }
  };
  try {
    configureBackend({ backend: "wasm", threads: 2 });
    const backend = getBackend()!;
    expect(backend.threads).toBe(1);
    const model = (await loadPretrained(files, { onWarning: () => {} })) as ConvNextForImageClassification;
    const logits = model.forward(expected.get("pixel_values")!).logits;
    expect(toleranceRatio(logits.data, expected.get("logits")!.data)).toBeLessThanOrEqual(1);
  } finally {
    disposeBackends();
    global.Worker = BrowserLikeWorker;
  }
});
