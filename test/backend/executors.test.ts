// Every fast executor (pure TS and wasm SIMD, 1 and 2 threads) against the reference executor, the definition
// of each plan step, on whole models with odd shapes: 1, 7 and 42 channels, batch 3, non-square inputs, a
// 1003-label head at batch 9, V1 with and without layer scale, V2 with GRN, a batch whose blocks run in
// groups of images, backbones, every hidden state (which keeps values alive and blocks out of place). Error
// normalized per tensor: max|fast - ref| / max|ref|.
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node/setup.js";
import { Backend } from "../../src/backend/backend.js";
import { FastExecutor } from "../../src/backend/executor.js";
import { blockGroup } from "../../src/backend/workspace.js";
import { referenceExecutor } from "../../src/model/reference-executor.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { randomArray, relativeToMax } from "../helpers/helpers.js";
import { randomModel } from "../helpers/random-model.js";

const backends = [new Backend("js", 1), new Backend("js", 2), new Backend("wasm", 1), new Backend("wasm", 2)];
afterAll(() => backends.forEach((b) => b.dispose()));

it("the image-groups model below runs its first stage in groups of 2 (1 thread) or 3 (2 threads)", () => {
  expect([blockGroup(5, 16, 96 * 96, 1), blockGroup(5, 16, 96 * 96, 2), blockGroup(5, 32, 48 * 48, 2)]).toEqual([2, 3, 5]); // prettier-ignore
});

const MODELS = [
  {
    name: "V1, 1 -> 7 -> 42 channels, layer scale",
    config: { hidden_sizes: [1, 7, 42], depths: [1, 2, 1], num_stages: 3, num_labels: 1003 },
    task: "classification",
    input: [9, 3, 20, 28],
  },
  {
    name: "V1 without layer scale, patch 2, 1 input channel",
    config: { hidden_sizes: [8, 16], depths: [2, 1], num_stages: 2, layer_scale_init_value: 0, patch_size: 2, num_channels: 1, num_labels: 5 }, // prettier-ignore
    task: "classification",
    input: [3, 1, 13, 9],
  },
  {
    name: "V2 (GRN), 3 stages",
    config: { model_type: "convnextv2", hidden_sizes: [7, 14, 28], depths: [1, 1, 2], num_stages: 3, num_labels: 3 },
    task: "classification",
    input: [3, 3, 36, 20],
  },
  {
    name: "V2 backbone, every stage",
    config: { model_type: "convnextv2", hidden_sizes: [8, 12, 16], depths: [1, 1, 1], num_stages: 3, out_features: ["stem", "stage1", "stage3"] }, // prettier-ignore
    task: "backbone",
    input: [2, 3, 32, 16],
  },
  {
    // stage 1's hidden activations (16 x 4 x 96 x 96 floats an image) allow 2 images a pass: groups 2, 2, 1
    // on one thread, 3, 2 on two (two images a thread at least)
    name: "V2 (GRN) run in image groups",
    config: { model_type: "convnextv2", hidden_sizes: [16, 32], depths: [1, 1], num_stages: 2, num_labels: 4 },
    task: "classification",
    input: [5, 3, 384, 384],
  },
  {
    name: "V1 base model",
    config: { hidden_sizes: [16, 32], depths: [1, 1], num_stages: 2 },
    task: "base",
    input: [1, 3, 17, 23],
  },
] as const;

describe.each(MODELS)("$name", ({ config, task, input }) => {
  const model = randomModel(config, task);
  const x = new Tensor(
    randomArray(
      input.reduce((a: number, b: number) => a * b, 1),
      5,
      -2,
      2,
    ),
    input,
  );
  for (const outputHiddenStates of [false, true]) {
    const expected = model.forwardNamed(x, { outputHiddenStates, executor: referenceExecutor });
    it.each(backends.map((b) => [`${b.name}/${b.threads}`, b] as const))(
      `%s, hidden states: ${outputHiddenStates}`,
      (_label, backend) => {
        const executor = new FastExecutor(backend);
        expect(executor.unsupported(model.plan(input, { outputHiddenStates }))).toBeNull();
        for (let pass = 0; pass < 2; pass++) {
          // the second pass reuses the compiled program: its buffers and the weights' heap copies
          const actual = model.forwardNamed(x, { outputHiddenStates, executor });
          expect([...actual.keys()]).toEqual([...expected.keys()]);
          for (const [name, e] of expected) {
            expect(actual.get(name)!.shape, name).toEqual(e.shape);
            expect(relativeToMax(actual.get(name)!.data, e.data), name).toBeLessThan(2e-6);
          }
        }
      },
    );
  }
});

it("a plan the fast kernels cannot run says why, and the model runs it on the reference executor", () => {
  const model = randomModel({ hidden_sizes: [4], depths: [1], num_stages: 1, hidden_act: "relu" }, "base");
  const executor = new FastExecutor(backends[2]);
  const plan = model.plan([1, 3, 8, 8]);
  expect(executor.unsupported(plan)).toMatch(/encoder\.stages\.0\.layers\.0: activation relu/);
  expect(model.executorFor(plan, executor)).toBe(referenceExecutor);
  expect(() => executor.compile(plan, new Map(model.namedParameters()))).toThrow(/cannot run this plan/);
});

it("drop path in training mode runs on the reference executor; in inference it is not in the plan", () => {
  const model = randomModel({ hidden_sizes: [4, 8], depths: [2, 1], num_stages: 2, drop_path_rate: 0.3 }, "base");
  const executor = new FastExecutor(backends[2]);
  const training = model.plan([1, 3, 16, 16], { training: true });
  // torch.linspace(0, 0.3, 3): the first block has rate 0
  expect(training.steps.flatMap((s) => (s.kind === "block" ? [s.dropPath] : []))).toEqual([0, 0.15000000596046448, 0.30000001192092896]); // prettier-ignore
  expect(executor.unsupported(training)).toMatch(/drop path in training mode/);
  expect(executor.unsupported(model.plan([1, 3, 16, 16]))).toBeNull();
});
