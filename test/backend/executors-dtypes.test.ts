// Models whose weights are held in float16, bfloat16 or int8 on every fast executor (pure TS and wasm SIMD, 1
// and 2 threads) against the reference executor, which widens 16-bit weights per step and runs nn.Linear with
// int8 weights as the int8 definition (src/ops/quantize.ts). 16-bit weights are widened exactly, so those
// models must agree as closely as float32 ones (test/backend/executors.test.ts). With int8 weights each pixel
// is quantized from activations the executors compute in different float32 roundings: a value that lands
// within a rounding of a level's edge takes the neighbouring level, moving that pixel's outputs by one level
// times a weight, and the image's later outputs with them; in these small models one such pixel is a large
// share of an image. Measured (max |fast - ref| / max |ref|): up to 9.5e-3 (the V2 model on wasm: one pixel
// of image 1 after stage 1, then that image's logits), below 2e-4 elsewhere; the int8 GEMM itself matches the
// definition bit for bit (gemm-dtypes.test.ts). A wiring mistake (a wrong weight, scale or epilogue) is O(1).
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node/setup.js";
import { Backend } from "../../src/backend/backend.js";
import { FastExecutor } from "../../src/backend/executor.js";
import { referenceExecutor } from "../../src/model/reference-executor.js";
import { convertWeights, type WeightDType } from "../../src/pretrained/weight-dtypes.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { randomArray, relativeToMax } from "../helpers/helpers.js";
import { randomModel } from "../helpers/random-model.js";

const backends = [new Backend("js", 1), new Backend("js", 2), new Backend("wasm", 1), new Backend("wasm", 2)];
afterAll(() => backends.forEach((b) => b.dispose()));

const MODELS = [
  {
    name: "V1, 1 -> 7 -> 42 channels, a 1003-label head at batch 9",
    config: { hidden_sizes: [1, 7, 42], depths: [1, 2, 1], num_stages: 3, num_labels: 1003 },
    task: "classification",
    input: [9, 3, 20, 28],
  },
  {
    name: "V2 (GRN), 3 stages, batch 3",
    config: { model_type: "convnextv2", hidden_sizes: [7, 14, 28], depths: [1, 1, 2], num_stages: 3, num_labels: 3 },
    task: "classification",
    input: [3, 3, 36, 20],
  },
  {
    name: "V1 backbone, every stage",
    config: { hidden_sizes: [8, 16, 24], depths: [1, 2, 1], num_stages: 3, out_features: ["stem", "stage1", "stage3"] }, // prettier-ignore
    task: "backbone",
    input: [2, 3, 32, 16],
  },
] as const;

const TOLERANCE: Record<WeightDType, number> = { f32: 2e-6, f16: 2e-6, bf16: 2e-6, int8: 3e-2 };

describe.each(["f16", "bf16", "int8"] as const)("%s weights", (dtype) => {
  describe.each(MODELS)("$name", ({ config, task, input }) => {
    const model = randomModel(config, task);
    convertWeights(model, dtype);
    const size = input.reduce((a: number, b: number) => a * b, 1);
    const x = new Tensor(randomArray(size, 5, -2, 2), input);
    const expected = model.forwardNamed(x, { outputHiddenStates: true, executor: referenceExecutor });

    it("the weights are held as converted", () => {
      const dtypes = new Set(model.namedParameters().map(([, p]) => p.dtype));
      expect([...dtypes].sort()).toEqual(dtype === "int8" ? ["F32", "I8"] : [dtype.toUpperCase()]);
    });

    it.each(backends.map((b) => [`${b.name}/${b.threads}`, b] as const))("%s matches the reference", (_l, backend) => {
      const executor = new FastExecutor(backend);
      for (let pass = 0; pass < 2; pass++) {
        const actual = model.forwardNamed(x, { outputHiddenStates: true, executor });
        expect([...actual.keys()]).toEqual([...expected.keys()]);
        for (const [name, e] of expected) {
          expect(actual.get(name)!.shape, name).toEqual(e.shape);
          expect(relativeToMax(actual.get(name)!.data, e.data), name).toBeLessThan(TOLERANCE[dtype]);
        }
      }
    });
  });
});

it("a weight reloaded in another dtype runs on the kernel for it (the program is not recompiled)", () => {
  const model = randomModel(MODELS[0].config, "classification");
  const x = new Tensor(randomArray(9 * 3 * 20 * 28, 5, -2, 2), [9, 3, 20, 28]);
  const executor = new FastExecutor(backends[3]);
  const before = model.forwardNamed(x, { executor }).get("logits")!;
  convertWeights(model, "int8");
  const after = model.forwardNamed(x, { executor }).get("logits")!;
  const expected = model.forwardNamed(x, { executor: referenceExecutor }).get("logits")!;
  expect(relativeToMax(after.data, expected.data)).toBeLessThan(TOLERANCE.int8);
  expect(relativeToMax(after.data, before.data)).toBeGreaterThan(1e-3); // it did change
});
