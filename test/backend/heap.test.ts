// The backends' memory: a model's weight copies and workspaces live in the backend heap, and must go back to
// it when the model is dropped (before, five loads of convnext-tiny grew the heap 125 -> 625 MB).
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { configureBackend, disposeBackends, getBackend, loadPretrained, memoryFiles, Tensor } from "../../src/index.js";
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

describe("a local checkpoint read into the heap", () => {
  it("is used in place: its parameters view the heap, the first pass copies no weight, all is freed with the model", async () => {
    configureBackend({ backend: "wasm", threads: 1 });
    const heap = getBackend()!.heap;
    const file = readFileSync(fixture("tiny-classifier", "model.safetensors"));
    const weightBytes = (m: ConvNextForImageClassification) => m.namedParameters().reduce((n, [, p]) => n + 4 * p.size, 0); // prettier-ignore
    /** heap bytes taken by loading, then by the first pass */
    const measure = async (load: () => Promise<unknown>) => {
      const start = heap.bytesInUse;
      const model = (await load()) as ConvNextForImageClassification;
      const loaded = heap.bytesInUse;
      model.forward(pixels);
      return { model, load: loaded - start, pass: heap.bytesInUse - loaded };
    };
    const inPlace = await measure(() => loadPretrained(fixture("tiny-classifier")));
    const bytes = { "config.json": readFileSync(fixture("tiny-classifier", "config.json")), "model.safetensors": file };
    const copied = await measure(() => loadPretrained(memoryFiles("mem", bytes))); // no readInto: copies
    expect(inPlace.load).toBeGreaterThanOrEqual(file.length); // the file, in a heap block
    expect(copied.load).toBe(0);
    for (const [name, p] of inPlace.model.namedParameters()) expect(heap.holds(p.data), name).toBe(true);
    // the same workspaces; the copied model's pass also copies every weight (in 64-byte blocks)
    const weights = weightBytes(copied.model);
    expect(copied.pass - inPlace.pass).toBeGreaterThanOrEqual(weights);
    expect(copied.pass - inPlace.pass).toBeLessThan(weights + 64 * copied.model.namedParameters().length);
    expect(inPlace.model.forward(pixels).logits.data).toEqual(copied.model.forward(pixels).logits.data);
  });
});
