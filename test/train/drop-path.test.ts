// Drop path in training mode replays PyTorch bit for bit when seeded: the droppath fixtures hold every
// torch.rand draw and mask of HF's DropPath modules after torch.manual_seed(0) (drop_path_rate 0.2) and the
// logits/loss of that train-mode forward.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPretrained, memoryFiles } from "../../src/index.js";
import { dropPathRates, parseConvNextConfig } from "../../src/model/config.js";
import type { ConvNextForImageClassification } from "../../src/model/classification.js";
import { Mt19937, torchRandom } from "../../src/ops/torch-random.js";
import { referenceKernels } from "../../src/train/kernels.js";
import { trainingForward } from "../../src/train/backward.js";
import type { BlockSaved } from "../../src/train/block.js";
import { fixture, readTensors } from "../helpers/helpers.js";

describe("PyTorch's CPU random stream", () => {
  it("MT19937 init_genrand(5489) gives the reference sequence (3499211612, 581869302, ...)", () => {
    const mt = new Mt19937(5489);
    expect([mt.nextU32(), mt.nextU32(), mt.nextU32()]).toEqual([3499211612, 581869302, 3890346734]);
    // the 10000th output of the default-seeded generator (C++ [rand.predef]: mt19937 yields 4123659995)
    const again = new Mt19937(5489);
    let last = 0;
    for (let i = 0; i < 10000; i++) last = again.nextU32();
    expect(last).toBe(4123659995);
  });
});

describe.each(["tiny-classifier", "v2-tiny-classifier"])("drop path replays PyTorch: %s", (name) => {
  const ref = readTensors(fixture(name, "droppath.safetensors"));
  const modules = [...ref.keys()].filter((k) => k.startsWith("droppath.rand.")).map((k) => k.slice(14));

  it("the draws of torch.manual_seed(0) are the recorded torch.rand values, bit for bit", () => {
    const random = torchRandom(0);
    for (const m of modules) for (const r of ref.get(`droppath.rand.${m}`)!.data) expect(random()).toBe(r);
  });

  async function model(): Promise<ConvNextForImageClassification> {
    const dir = fixture(name);
    const config = { ...JSON.parse(readFileSync(`${dir}/config.json`, "utf8")), drop_path_rate: 0.2 };
    const files = memoryFiles(name, {
      "config.json": new TextEncoder().encode(JSON.stringify(config)),
      "model.safetensors": new Uint8Array(readFileSync(`${dir}/model.safetensors`)),
    });
    return (await loadPretrained(files, { onWarning: () => {} })) as ConvNextForImageClassification;
  }

  it("per-layer rates are torch.linspace(0, 0.2, sum(depths)) in float32", async () => {
    const meta = JSON.parse(readFileSync(fixture(name, "grads_meta.json"), "utf8"));
    const config = parseConvNextConfig({ ...(await model()).config.raw, drop_path_rate: 0.2 });
    expect(dropPathRates(config).flat()).toEqual(meta.droppath.all_layer_rates_in_order);
  });

  it("train-mode forward with seed 0: the same masks, logits and loss", async () => {
    const m = await model();
    const pixelValues = ref.get("droppath.pixel_values")!;
    const labels = Int32Array.from(ref.get("droppath.labels")!.data);
    const out = m.forwardNamed(pixelValues, { training: true, seed: 0, labels });
    const expectClose = (a: Float32Array, e: Float32Array) =>
      e.forEach((v, i) => expect(Math.abs(a[i] - v)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(v)));
    expectClose(out.get("logits")!.data, ref.get("droppath.logits")!.data);
    expectClose(out.get("loss")!.data, ref.get("droppath.loss")!.data);
    // the training forward (which keeps the masks for backward) draws the same masks
    const plan = m.plan(pixelValues.shape, { training: true });
    const tape = trainingForward(plan, new Map(m.namedParameters()), pixelValues, referenceKernels, torchRandom(0));
    const masks = plan.steps.flatMap((s, i) =>
      s.kind === "block" && s.dropPath > 0 ? [(tape.saved[i] as BlockSaved).mask!] : [],
    );
    expect(masks.map((mk) => Array.from(mk))).toEqual(modules.map((mod) => Array.from(ref.get(`droppath.mask.${mod}`)!.data))); // prettier-ignore
    expect(masks.flatMap((mk) => Array.from(mk))).toContain(0); // some branch is dropped
    const logits = tape.values[plan.outputs.find(([n]) => n === "logits")![1]];
    expect(Array.from(logits)).toEqual(Array.from(out.get("logits")!.data));
  });
});
