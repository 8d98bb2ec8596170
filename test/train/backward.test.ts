// The training forward is the reference forward (same outputs, bit for bit, on the reference kernels), and a
// plan step without a backward rule is refused by name.
import { describe, expect, it } from "vitest";
import { referenceExecutor } from "../../src/model/reference-executor.js";
import type { Plan } from "../../src/model/plan.js";
import { checkBackwardSupport, tapeOutputs, trainingForward } from "../../src/train/backward.js";
import { referenceKernels } from "../../src/train/kernels.js";
import { torchRandom } from "../../src/ops/torch-random.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { randomArray } from "../helpers/helpers.js";
import { randomModel } from "../helpers/random-model.js";

describe("training forward", () => {
  it.each(["convnext", "convnextv2"])("%s: every output equals the reference executor's, bit for bit", (type) => {
    const config = { model_type: type, hidden_sizes: [8, 12], depths: [2, 1], num_stages: 2, num_labels: 3, hidden_act: "gelu" }; // prettier-ignore
    const model = randomModel(config, "classification", 3);
    const x = new Tensor(randomArray(2 * 3 * 24 * 20, 5), [2, 3, 24, 20]);
    const plan = model.plan(x.shape);
    const ours = tapeOutputs(
      trainingForward(plan, new Map(model.namedParameters()), x, referenceKernels, torchRandom(0)),
    );
    const ref = model.forwardNamed(x, { executor: referenceExecutor });
    for (const [name, t] of ref) expect(Array.from(ours.get(name)!.data), name).toEqual(Array.from(t.data));
  });

  it("refuses a step kind it has no backward rule for, naming it", () => {
    const plan = { values: [], steps: [{ kind: "timm-stem", module: "stem.0" }], input: 0, outputs: [] } as unknown as Plan; // prettier-ignore
    expect(() => checkBackwardSupport(plan)).toThrow('training: no backward rule for plan step "timm-stem" (stem.0)');
    const rms = { ...plan, steps: [{ kind: "block", module: "stages.0.blocks.0", layernorm: { type: "rmsnorm" } }] };
    expect(() => checkBackwardSupport(rms as unknown as Plan)).toThrow("no backward rule for a block with a rmsnorm (stages.0.blocks.0)"); // prettier-ignore
  });
});
