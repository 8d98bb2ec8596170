// The backends' memory: a model's weight copies and workspaces live in the backend heap, and must go back to
// it when the model is dropped (before, five loads of convnext-tiny grew the heap 125 -> 625 MB).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { configureBackend, disposeBackends, getBackend, loadPretrained, Tensor } from "../../src/index.js";
import type { ConvNextForImageClassification } from "../../src/index.js";
import { fixture, randomArray } from "../helpers/helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

afterAll(() => {
  configureBackend({ backend: "auto", threads: 0 });
  disposeBackends();
});

const pixels = new Tensor(randomArray(2 * 3 * 32 * 32, 3, -2, 2), [2, 3, 32, 32]);

/** Collects garbage while `pending()` (finalizers run in tasks after a collection), for up to a second. */
async function collect(pending: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && pending(); i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Loads the tiny classifier, runs it (weights uploaded, workspaces sized), optionally reloads a weight. */
async function useModel(replaceWeight: boolean): Promise<number> {
  const model = (await loadPretrained(fixture("tiny-classifier"))) as ConvNextForImageClassification;
  model.forward(pixels);
  if (replaceWeight) {
    const w = model.classifier!.weight;
    w.data = new Float32Array(w.data); // a reloaded weight: its old copy is freed at once, the new one uploaded
    model.forward(pixels);
  }
  model.forward(pixels.batchEntry(0)); // a second workspace shape: the first is freed at once
  return getBackend()!.heap.bytesInUse;
}

describe.each([
  { backend: "wasm", threads: 1 },
  { backend: "wasm", threads: 2 },
  { backend: "js", threads: 1 },
] as const)("backend $backend, $threads thread(s)", ({ backend, threads }) => {
  it.each([false, true])("a dropped model's blocks return to the heap (a weight reloaded: %s)", async (replace) => {
    configureBackend({ backend, threads });
    const heap = getBackend()!.heap;
    const before = heap.bytesInUse;
    const inUse = await useModel(replace);
    expect(inUse).toBeGreaterThan(before);
    await collect(() => heap.bytesInUse > before);
    expect(heap.bytesInUse).toBe(before);
    // and the next model reuses those blocks instead of growing the memory
    const size = heap.byteLength;
    await useModel(replace);
    expect(heap.byteLength).toBe(size);
    await collect(() => heap.bytesInUse > before);
    expect(heap.bytesInUse).toBe(before);
  });
});
