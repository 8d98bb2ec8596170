// The wasm GEMMs for 16-bit and int8 weights are a module of their own, which a page loads only for a model
// that needs them (the core's size budget, test/web/bundle-size.test.ts). This file runs as a browser page
// does: the core's modules only (not the Node entry, which registers the full set at start-up), with Node's
// worker threads standing in for Web Workers. Checked: without the full set, such a GEMM is one clear error;
// fromPretrained of a 16-bit checkpoint loads it; a backend that already runs (its threads started on the core
// kernels) switches to it, threads included, and computes what the reference executor computes.
import { availableParallelism } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { Backend } from "../../src/backend/backend.js";
import { FastExecutor } from "../../src/backend/executor.js";
import { registerThreadPoolFactory } from "../../src/backend/threads.js";
import { loadWeightKernels, weightKernelsLoaded } from "../../src/backend/wasm/wasm-kernels.js";
import { serializeRawSafetensors } from "../../src/io/safetensors.js";
import { referenceExecutor } from "../../src/model/reference-executor.js";
import { nodeThreadPool } from "../../src/node/worker-threads.js";
import { memoryFiles } from "../../src/pretrained/model-files.js";
import { loadPretrained, type ConvNextForImageClassification } from "../../src/pretrained/models.js";
import { convertWeights, weightTensors } from "../../src/pretrained/weight-dtypes.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { randomArray, relativeToMax } from "../helpers/helpers.js";
import { randomModel } from "../helpers/random-model.js";

registerThreadPoolFactory(nodeThreadPool, availableParallelism());
const CONFIG = { hidden_sizes: [8, 16], depths: [1, 1], num_stages: 2, num_labels: 5 };
const x = new Tensor(randomArray(2 * 3 * 32 * 32, 7, -2, 2), [2, 3, 32, 32]);
const backend = new Backend("wasm", 2);
afterAll(() => backend.dispose());

/** Runs `model` on the backend until a pass had chunks run by its worker (which start asynchronously). */
async function runWithWorkers(model: ReturnType<typeof randomModel>) {
  const executor = new FastExecutor(backend);
  let logits = model.forwardNamed(x, { executor }).get("logits")!;
  for (let tries = 0, before = -1; backend.workerChunks === before || before < 0; tries++) {
    if (tries > 300) throw new Error("the worker thread never took part");
    await new Promise((resolve) => setTimeout(resolve, 10));
    before = backend.workerChunks;
    logits = model.forwardNamed(x, { executor }).get("logits")!;
  }
  return logits;
}

describe("the wasm kernels for 16-bit and int8 weights, loaded on demand", () => {
  it("not loaded: a float32 model runs on two threads; a 16-bit one is one clear error", async () => {
    expect(backend.threads).toBe(2);
    expect(weightKernelsLoaded()).toBe(false);
    const model = randomModel(CONFIG, "classification");
    const expected = model.forwardNamed(x, { executor: referenceExecutor }).get("logits")!;
    expect(relativeToMax((await runWithWorkers(model)).data, expected.data)).toBeLessThan(2e-6);
    convertWeights(model, "f16");
    expect(() => model.forwardNamed(x, { executor: new FastExecutor(backend) })).toThrow(
      /^wasm backend: gemm16 \(weights held in 16 bits or int8\) is among the kernels loaded on demand; await loadWeightKernels\(\) before running the model \(fromPretrained does it for a model that needs them\)$/,
    );
  });

  it("fromPretrained of a 16-bit checkpoint loads them; the running backend switches, its thread too", async () => {
    const source = randomModel(CONFIG, "classification");
    convertWeights(source, "f16");
    const files = memoryFiles("f16", {
      "config.json": new TextEncoder().encode(JSON.stringify({ ...CONFIG, model_type: "convnext" })),
      "model.safetensors": serializeRawSafetensors(weightTensors(source)),
    });
    const model = (await loadPretrained(files, { dtype: "auto" })) as ConvNextForImageClassification;
    expect(model.classifier!.weight.dtype).toBe("F16");
    expect(weightKernelsLoaded()).toBe(true);
    const expected = model.forwardNamed(x, { executor: referenceExecutor }).get("logits")!;
    expect(relativeToMax((await runWithWorkers(model)).data, expected.data)).toBeLessThan(2e-6);
    await loadWeightKernels(); // once loaded, a no-op
    convertWeights(model, "int8");
    const int8 = model.forwardNamed(x, { executor: referenceExecutor }).get("logits")!;
    // the tolerance of test/backend/executors-dtypes.test.ts for int8 weights
    expect(relativeToMax((await runWithWorkers(model)).data, int8.data)).toBeLessThan(3e-2);
  });
});
