// timm checkpoints: every output of every timm fixture (the real timm's logits, forward_features, pre_logits and
// features_only maps) within max|a - e| <= 1e-5 + 1e-5 max|e|, on every backend; and the loading rules.
import { afterAll, describe, expect, it } from "vitest";
import {
  configureBackend,
  disposeBackends,
  getExecutor,
  loadPretrained,
  memoryFiles,
  Tensor,
  WeightsError,
} from "../../src/index.js";
import type { ConvNextPreTrainedModel } from "../../src/model/pretrained-model.js";
import { expectParity, runTimmFixture, TIMM_FIXTURES } from "../helpers/parity.js";
import { fixture, randomArray, readTensors, relativeToMax } from "../helpers/helpers.js";
import { createModel, parseTimmConfig, referenceExecutor } from "../../src/index.js";
import { mulberry32 } from "../../src/ops/drop-path.js";
import { readFileSync } from "node:fs";

const CONFIGS = [
  { backend: "reference", threads: 1 },
  { backend: "js", threads: 1 },
  { backend: "js", threads: 2 },
  { backend: "wasm", threads: 1 },
  { backend: "wasm", threads: 2 },
] as const;

afterAll(() => {
  configureBackend({ backend: "auto", threads: 0 });
  disposeBackends();
});

describe.each(CONFIGS)("timm fixtures, backend $backend, $threads thread(s)", ({ backend, threads }) => {
  it.each(TIMM_FIXTURES)("%s matches timm", async (name) => {
    configureBackend({ backend, threads });
    const worst = expectParity(name, await runTimmFixture(name));
    console.log(`${backend}/${threads}: ${name}: worst ${worst.key} at ${worst.ratio.toFixed(3)} x tolerance`);
  });
});

describe("the fast executors run the common timm options", () => {
  // conv_mlp, GRN, overlap stems (im2col), head_norm_first, head_hidden_size (+ GELU), kernel_sizes, no conv bias,
  // patch size 2 run on the fast kernels; timm's RmsNorm2d / SimpleNorm2d and non-GELU activations do not
  const FAST = ["timm-convnext-tiny-custom", "timm-convnext-convmlp", "timm-convnextv2-grn", "timm-convnext-features", "timm-overlap-hnf", "timm-mlp-head-k5-nobias"]; // prettier-ignore
  it.each(TIMM_FIXTURES)("%s", async (name) => {
    configureBackend({ backend: "wasm", threads: 1 });
    const model = (await loadPretrained(fixture(name))) as ConvNextPreTrainedModel;
    const plan = model.plan(readTensors(fixture(name, "expected.safetensors")).get("pixel_values")!.shape);
    const reason = getExecutor().unsupported(plan);
    if (FAST.includes(name)) expect(reason).toBeNull();
    else expect(reason).toMatch(/rmsnorm|simplenorm|activation (silu|gelu_pytorch_tanh)/);
    expect(model.executorFor(plan).name).toBe(FAST.includes(name) ? "wasm" : "reference");
  });
});

describe("loading timm checkpoints", () => {
  const dir = fixture("timm-convnext-tiny-custom");
  const read = (file: string) => new Uint8Array(readFileSync(`${dir}/${file}`));
  const config = JSON.parse(readFileSync(`${dir}/config.json`, "utf8"));
  const files = (over: Record<string, unknown> = {}, weights: Uint8Array = read("model.safetensors")) =>
    memoryFiles("timm-mem", {
      "config.json": new TextEncoder().encode(JSON.stringify({ ...config, ...over })),
      "model.safetensors": weights,
    });

  it("pytorch_model.bin (timm's torch.save of the state_dict) gives the same outputs as model.safetensors", async () => {
    const worst = expectParity("timm-convnext-tiny-custom", await runTimmFixture("timm-convnext-tiny-custom", fixture("timm-convnext-tiny-custom", "bin"))); // prettier-ignore
    expect(worst.ratio).toBeLessThan(1);
  });

  it("label_names become id2label; the module tree is HF's", async () => {
    const model = await loadPretrained(dir);
    expect(model.config.id2label[0]).toBe("tench");
    expect(model.config.id2label[9]).toBe("jay");
    const keys = model.namedParameters().map(([k]) => k);
    expect(keys).toContain("convnext.encoder.stages.2.layers.1.layer_scale_parameter");
    expect(keys).toContain("classifier.weight");
  });

  it("strict: one error naming the file and every missing, unexpected and mis-shaped key in timm's names", async () => {
    const { parseSafetensors, rawToTensor, serializeSafetensors } = await import("../../src/io/safetensors.js");
    const tensors = [...parseSafetensors(read("model.safetensors"), "m").tensors].map(
      ([k, r]) => [k, rawToTensor(r)] as [string, ReturnType<typeof rawToTensor>],
    );
    const edited = tensors
      .filter(([k]) => k !== "stages.1.blocks.0.gamma")
      .map(([k, t]): [string, typeof t] => (k === "stages.0.blocks.0.conv_dw.weight" ? [k, new Tensor(t.data.slice(0, 8 * 25), [8, 1, 5, 5])] : [k, t])); // prettier-ignore
    edited.push(["stages.0.blocks.0.extra", new Tensor(new Float32Array(2), [2])]);
    const err = await loadPretrained(files({}, serializeSafetensors(edited))).catch((e: Error) => e);
    expect(err).toBeInstanceOf(WeightsError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^timm-mem\/model\.safetensors: checkpoint does not match/);
    expect(msg).toMatch(/missing keys \(1\).*convnext\.encoder\.stages\.1\.layers\.0\.layer_scale_parameter/);
    expect(msg).toMatch(/unexpected keys \(1\): stages\.0\.blocks\.0\.extra/);
    expect(msg).toMatch(/stages\.0\.blocks\.0\.conv_dw\.weight \(convnext\.encoder\.stages\.0\.layers\.0\.dwconv\.weight\): checkpoint \[8, 1, 5, 5\] vs model \[8, 1, 7, 7\]/); // prettier-ignore
  });

  it("a model_args option the checkpoint was not made with is a load error, not garbage", async () => {
    const err = await loadPretrained(files({ model_args: { ...config.model_args, kernel_sizes: 5 } })).catch((e: Error) => e); // prettier-ignore
    expect((err as Error).message).toMatch(/mis-shaped keys \(5\)/);
  });

  it.each([
    [{ architecture: "resnet50" }, /timm architecture "resnet50" is not a ConvNeXt/],
    [{ model_args: { depths: [1, 1, 2] } }, /depths must be 4 positive integers/],
    [{ model_args: { mlp_ratio: 3 } }, /model_args\.mlp_ratio is not an argument of timm's ConvNeXt/],
    [{ model_args: { output_stride: 16 } }, /output_stride 16 .* dilated convs, which are not supported/],
    [{ model_args: { act_layer: "elu" } }, /act_layer "elu" is not supported/],
    [{ model_args: { norm_layer: "rmsnorm2d" } }, /needs conv_mlp=True/],
    [{ model_args: { head_norm_first: true, head_hidden_size: 8 } }, /cannot be combined/],
    [{ model_args: { global_pool: "max" } }, /global_pool "max" is not supported/],
    [{ label_names: ["a", "b"] }, /label_names has 2 names for 10 classes/],
  ])("config error %#", async (over, message) => {
    const err = await loadPretrained(files(over as Record<string, unknown>)).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^timm-mem\/config\.json: invalid config: /);
    expect((err as Error).message).toMatch(message);
  });

  it("out_indices: timm's stage numbers (negative from the end), in order", async () => {
    const model = await loadPretrained(dir, { outIndices: [-1], onWarning: () => {} });
    expect(model.config.outFeatures).toEqual(["stage4"]);
    await expect(loadPretrained(dir, { outIndices: [4] })).rejects.toThrow(
      /out_indices \[4\] out of range for 4 stages/,
    );
    await expect(loadPretrained(dir, { outIndices: [2, 0] })).rejects.toThrow(/distinct and in stage order/);
  });
});

describe("timm options on the fast executors vs the reference executor (random weights, odd sizes, batch 3)", () => {
  // combinations no fast-path fixture has: GRN with layer scale, the overlap_act stem's GELU step, conv_mlp with
  // a hidden head layer and head_norm_first's norm on a map
  const CASES: Array<[string, Record<string, unknown>, number[]]> = [
    ["convnextv2_atto", { depths: [1, 1, 2, 1], dims: [8, 16, 24, 40], ls_init_value: 1e-6 }, [3, 3, 67, 45]],
    ["convnext_zepto_rms_ols", { depths: [1, 1, 1, 1], dims: [8, 16, 24, 32], norm_layer: "layernorm" }, [3, 3, 61, 70]], // prettier-ignore
    ["convnext_atto", { depths: [1, 1, 1, 1], dims: [16, 24, 32, 48], head_hidden_size: 20, kernel_sizes: [3, 5, 7, 9] }, [3, 3, 97, 33]], // prettier-ignore
    ["convnext_tiny_hnf", { depths: [1, 1, 1, 1], dims: [8, 16, 24, 32], stem_type: "overlap", conv_bias: false }, [3, 3, 40, 56]], // prettier-ignore
  ];
  it.each(CASES)("%s %j", async (architecture, modelArgs, shape) => {
    const { config } = parseTimmConfig({ architecture, num_classes: 7, model_args: modelArgs });
    const model = createModel(config, "classification");
    const random = mulberry32(3);
    for (const [name, p] of model.namedParameters()) {
      const b = p.shape.length > 1 ? Math.sqrt(3 / (p.size / p.shape[0])) : 0.1;
      p.data = Float32Array.from({ length: p.size }, () => (/layernorm|downsampling_layer\.0/.test(name) && p.shape.length === 1 && name.endsWith("weight") ? 1 : 0) + b * (2 * random() - 1)); // prettier-ignore
    }
    const pixels = new Tensor(
      randomArray(
        shape.reduce((a, b) => a * b, 1),
        5,
        -2,
        2,
      ),
      shape,
    );
    const expected = model.forwardNamed(pixels, { executor: referenceExecutor });
    for (const backend of ["js", "wasm"] as const) {
      configureBackend({ backend, threads: 2 });
      const executor = getExecutor();
      expect(executor.unsupported(model.plan(shape))).toBeNull();
      const got = model.forwardNamed(pixels, { executor });
      for (const key of ["logits", "features", "pre_logits"]) {
        expect(relativeToMax(got.get(key)!.data, expected.get(key)!.data), `${backend} ${key}`).toBeLessThan(2e-5);
      }
    }
  });
});
