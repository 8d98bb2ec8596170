// Weight loading: HF's prefix rules across tasks, strict reports, dtype upcast, and the model-level
// behaviours (loss rules, drop path, input checks) checked against the fixtures or by hand.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ConvNextBackbone,
  ConvNextForImageClassification,
  ConvNextModel,
  loadPretrained,
  memoryFiles,
  parseSafetensors,
  serializeSafetensors,
  Tensor,
  WeightsError,
} from "../../src/index.js";
import { rawToTensor } from "../../src/io/safetensors.js";
import { classificationLoss } from "../../src/model/loss.js";
import { fixture, readTensors, toleranceRatio } from "../helpers/helpers.js";

const CONFIG = readFileSync(fixture("tiny-classifier", "config.json"));
const WEIGHTS = readTensors(fixture("tiny-classifier", "model.safetensors"));
const EXPECTED = readTensors(fixture("tiny-classifier", "expected.safetensors"));
const PIXELS = EXPECTED.get("pixel_values")!;

/** A model directory in memory with the tiny-classifier config and the given tensors. */
function modelDir(tensors: Iterable<[string, Tensor]>, config: Uint8Array = CONFIG) {
  return memoryFiles("mem", { "config.json": config, "model.safetensors": serializeSafetensors(tensors) });
}
const renamed = (f: (k: string) => string | null) =>
  [...WEIGHTS].flatMap(([k, t]): Array<[string, Tensor]> => (f(k) === null ? [] : [[f(k)!, t]]));

describe("prefix rules (from_pretrained)", () => {
  it("a classifier checkpoint loads into ConvNextModel (prefix stripped, classifier ignored with a warning)", async () => {
    const warnings: string[] = [];
    const model = await ConvNextModel.fromPretrained(modelDir(WEIGHTS), { onWarning: (w) => warnings.push(w) });
    const out = model.forward(PIXELS);
    expect(toleranceRatio(out.poolerOutput.data, EXPECTED.get("pooler_output")!.data)).toBeLessThan(1);
    expect(warnings.join()).toMatch(
      /ignoring weights of a head ConvNextModel does not have: classifier\.weight, classifier\.bias/,
    );
  });

  it("a base-model checkpoint loads into ConvNextModel and, with allowMissingHead, into the classifier", async () => {
    const base = renamed((k) => (k.startsWith("convnext.") ? k.slice(9) : null));
    const model = await ConvNextModel.fromPretrained(modelDir(base));
    expect(
      toleranceRatio(model.forward(PIXELS).lastHiddenState.data, EXPECTED.get("last_hidden_state")!.data),
    ).toBeLessThan(1);

    await expect(ConvNextForImageClassification.fromPretrained(modelDir(base))).rejects.toThrow(
      /missing keys \(2\): classifier\.weight, classifier\.bias[\s\S]*allowMissingHead/,
    );
    const warnings: string[] = [];
    const clf = await ConvNextForImageClassification.fromPretrained(modelDir(base), {
      allowMissingHead: true,
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings.join()).toMatch(
      /newly initialised \(not in the checkpoint\): classifier\.weight, classifier\.bias/,
    );
    const w = clf.classifier!.weight.data;
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.015); // N(0, initializer_range = 0.02)
    expect(std).toBeLessThan(0.025);
    expect(clf.classifier!.bias!.data.every((v) => v === 0)).toBe(true);
    // the body is the checkpoint's: pooled features equal the fixture
    expect(toleranceRatio(clf.forward(PIXELS).poolerOutput.data, EXPECTED.get("pooler_output")!.data)).toBeLessThan(1);
  });

  it("a classifier checkpoint loads into ConvNextBackbone: norms start at 1 / 0, feature map = LN(hidden state)", async () => {
    const config = JSON.parse(CONFIG.toString());
    config.architectures = ["ConvNextBackbone"];
    config.out_features = ["stem", "stage3"];
    delete config.out_indices;
    const warnings: string[] = [];
    const bb = await ConvNextBackbone.fromPretrained(
      modelDir(WEIGHTS, new TextEncoder().encode(JSON.stringify(config))),
      {
        onWarning: (w) => warnings.push(w),
      },
    );
    expect(warnings.join()).toMatch(/convnext\.layernorm\.weight.*classifier\.bias/);
    expect(warnings.join()).toMatch(/newly initialised.*hidden_states_norms\.stem\.weight/);
    const out = bb.forward(PIXELS, { outputHiddenStates: true });
    expect(out.featureMaps.map((f) => f.shape)).toEqual([
      [2, 8, 16, 16],
      [2, 32, 4, 4],
    ]);
    // with weight 1 / bias 0 each pixel's channel vector of a feature map has mean 0 and variance ~1
    const f = out.featureMaps[1];
    let mean = 0;
    for (let c = 0; c < 32; c++) mean += f.data[c * 16];
    expect(Math.abs(mean / 32)).toBeLessThan(1e-6);
    expect(toleranceRatio(out.hiddenStates![3].data, EXPECTED.get("hidden_states.3")!.data)).toBeLessThan(1);
  });
});

describe("strict loading", () => {
  it("one error lists every missing, unexpected and mis-shaped key with both shapes", async () => {
    const tensors = renamed((k) => (k === "convnext.encoder.stages.0.layers.0.pwconv1.bias" ? null : k));
    tensors.push(["convnext.encoder.stages.9.extra", Tensor.zeros([3])]);
    const i = tensors.findIndex(([k]) => k === "classifier.weight");
    tensors[i] = ["classifier.weight", Tensor.zeros([4, 64])];
    const err = await ConvNextForImageClassification.fromPretrained(modelDir(tensors)).catch((e) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toMatch(/^mem\/model\.safetensors: checkpoint does not match the model/);
    expect(err.message).toMatch(/missing keys \(1\): convnext\.encoder\.stages\.0\.layers\.0\.pwconv1\.bias/);
    expect(err.message).toMatch(/unexpected keys \(1\): convnext\.encoder\.stages\.9\.extra/);
    expect(err.message).toMatch(/classifier\.weight: checkpoint \[4, 64\] vs model \[5, 64\]/);
  });

  it("a mis-shaped key of a prefixed checkpoint loaded into the base model is reported once, not also as missing", async () => {
    const tensors = renamed((k) => k);
    const i = tensors.findIndex(([k]) => k === "convnext.layernorm.weight");
    tensors[i] = ["convnext.layernorm.weight", Tensor.zeros([63])];
    const err = await ConvNextModel.fromPretrained(modelDir(tensors), { onWarning: () => {} }).catch((e) => e);
    expect(err.message).toMatch(/convnext\.layernorm\.weight: checkpoint \[63\] vs model \[64\]/);
    expect(err.message).not.toMatch(/missing keys/);
  });

  it("a missing layer_scale_parameter is an error, not silently dropped", async () => {
    const tensors = renamed((k) => (k.endsWith("layer_scale_parameter") ? null : k));
    await expect(ConvNextForImageClassification.fromPretrained(modelDir(tensors))).rejects.toThrow(
      /missing keys \(5\): .*layer_scale_parameter/,
    );
  });

  it("F16 and BF16 checkpoints are upcast to float32 once", async () => {
    // Round every weight to bfloat16 (truncating the mantissa): outputs move, but stay close.
    const file = parseSafetensors(readFileSync(fixture("tiny-classifier", "model.safetensors")));
    const bf16: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const [k, raw] of file.tensors) {
      const f = rawToTensor(raw).data;
      const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
      const half = Uint16Array.from(u, (x) => x >>> 16);
      bf16[k] = { dtype: "BF16", shape: raw.shape, data_offsets: [offset, offset + half.byteLength] };
      chunks.push(new Uint8Array(half.buffer));
      offset += half.byteLength;
    }
    const header = new TextEncoder().encode(JSON.stringify(bf16));
    const bytes = new Uint8Array(8 + header.length + offset);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    let p = 8 + header.length;
    for (const c of chunks) {
      bytes.set(c, p);
      p += c.length;
    }
    const model = (await loadPretrained(
      memoryFiles("bf16", { "config.json": CONFIG, "model.safetensors": bytes }),
    )) as ConvNextForImageClassification;
    const w = model.model.embeddings.patch_embeddings!.weight.data;
    expect(w).toBeInstanceOf(Float32Array);
    const w32 = WEIGHTS.get("convnext.embeddings.patch_embeddings.weight")!.data;
    expect(w[0]).toBe(
      new Float32Array(Uint32Array.of((new Uint32Array(w32.buffer, w32.byteOffset, 1)[0] >>> 16) << 16).buffer)[0],
    );
    const logits = model.forward(PIXELS).logits.data;
    const e = EXPECTED.get("logits")!.data;
    expect(toleranceRatio(logits, e, 0.1, 0.1)).toBeLessThan(1); // bf16 weights: close, not exact
  });
});

describe("losses follow HF's problem_type rules", () => {
  const logits = Tensor.from([0.5, -1, 2, 0, 1, -3], [2, 3]);
  it("single label: mean cross-entropy, ignore_index -100", () => {
    const lse = (a: number[]) => Math.log(a.reduce((s, v) => s + Math.exp(v), 0));
    const expected = (lse([0.5, -1, 2]) - 2 + (lse([0, 1, -3]) - 0)) / 2;
    expect(classificationLoss(logits, Int32Array.of(2, 0), "single_label_classification", 3)).toBeCloseTo(expected, 12);
    expect(classificationLoss(logits, Int32Array.of(2, -100), "single_label_classification", 3)).toBeCloseTo(
      lse([0.5, -1, 2]) - 2,
      12,
    );
  });
  it("multi label: mean BCE with logits", () => {
    const y = [1, 0, 1, 0, 0, 1];
    const s = (x: number) => 1 / (1 + Math.exp(-x));
    const expected =
      -logits.data.reduce((a, x, i) => a + y[i] * Math.log(s(x)) + (1 - y[i]) * Math.log(1 - s(x)), 0) / 6;
    expect(classificationLoss(logits, Tensor.from(y, [2, 3]), "multi_label_classification", 3)).toBeCloseTo(
      expected,
      6,
    );
  });
  it("regression: MSE", () => {
    expect(classificationLoss(Tensor.from([1, 3], [2, 1]), Tensor.from([0, 1], [2]), "regression", 1)).toBe(2.5);
  });
  it("problem type is inferred and written into the config, as HF does", async () => {
    const model = await ConvNextForImageClassification.fromPretrained(modelDir(WEIGHTS));
    const out = model.forward(PIXELS, { labels: Int32Array.from(EXPECTED.get("labels")!.data) });
    expect(model.config.problemType).toBe("single_label_classification");
    expect(Math.abs(out.loss!.data[0] - EXPECTED.get("loss")!.data[0])).toBeLessThan(1e-5);
  });
});

describe("forward behaviour", () => {
  it("drop path is the identity in inference and stochastic (seeded) in training", async () => {
    const config = JSON.parse(CONFIG.toString());
    config.drop_path_rate = 0.5;
    const model = await ConvNextForImageClassification.fromPretrained(
      modelDir(WEIGHTS, new TextEncoder().encode(JSON.stringify(config))),
    );
    expect(model.forward(PIXELS).logits.data).toEqual(
      (await ConvNextForImageClassification.fromPretrained(modelDir(WEIGHTS))).forward(PIXELS).logits.data,
    );
    const a = model.forward(PIXELS, { training: true, seed: 1 }).logits.data;
    const b = model.forward(PIXELS, { training: true, seed: 1 }).logits.data;
    const c = model.forward(PIXELS, { training: true, seed: 2 }).logits.data;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("batch entries are independent: one image alone gives the same outputs as in the batch", async () => {
    const model = await ConvNextForImageClassification.fromPretrained(modelDir(WEIGHTS));
    const single = model.forward(PIXELS.batchEntry(1)).logits.data;
    expect(toleranceRatio(single, EXPECTED.get("logits")!.data.subarray(5, 10))).toBeLessThan(1);
  });

  it.each([
    [[2, 4, 64, 64], /pixel_values has 4 channels but the model expects num_channels = 3/],
    [[1, 3, 3, 64], /input 3x64 is smaller than one 4x4 patch/],
    [
      [1, 3, 28, 64],
      /input 28x64 is too small: convnext.encoder.stages.3.downsampling_layer.1 \(a 2x2 conv, stride 2\) gets a 1x4 map \(the input must be at least 32 pixels/,
    ],
    [[3, 64, 64], /pixel_values must be 4-D/],
  ])("refuses pixel_values %j", async (shape, message) => {
    const model = await ConvNextForImageClassification.fromPretrained(modelDir(WEIGHTS));
    expect(() => model.forward(Tensor.zeros(shape))).toThrow(message);
  });

  it("the smallest accepted input (32x32 for 4 stages, patch 4) runs", async () => {
    const model = await ConvNextForImageClassification.fromPretrained(modelDir(WEIGHTS));
    expect(model.forward(Tensor.zeros([1, 3, 32, 35])).logits.shape).toEqual([1, 5]);
  });
});
