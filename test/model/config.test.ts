// ConvNextConfig parsing: HF defaults, PretrainedConfig label rules, backbone out_features alignment,
// and clear errors for inconsistent files.
import { describe, expect, it } from "vitest";
import { parseConvNextConfig } from "../../src/model/config.js";
import { dropPathRates } from "../../src/model/config.js";

describe("ConvNextConfig defaults (transformers v4.37.2)", () => {
  it("an empty object is convnext-tiny with 2 labels", () => {
    const c = parseConvNextConfig({});
    expect(c).toMatchObject({
      modelType: "convnext",
      numChannels: 3,
      patchSize: 4,
      numStages: 4,
      hiddenSizes: [96, 192, 384, 768],
      depths: [3, 3, 9, 3],
      hiddenAct: "gelu",
      initializerRange: 0.02,
      layerNormEps: 1e-12,
      layerScaleInitValue: 1e-6,
      dropPathRate: 0,
      imageSize: 224,
      stageNames: ["stem", "stage1", "stage2", "stage3", "stage4"],
      outFeatures: ["stage4"],
      outIndices: [4],
      numLabels: 2,
      id2label: { 0: "LABEL_0", 1: "LABEL_1" },
      problemType: null,
    });
  });
  it("convnextv2 has no layer scale", () => {
    expect(parseConvNextConfig({ model_type: "convnextv2", layer_scale_init_value: 0.5 }).layerScaleInitValue).toBe(0);
  });
});

describe("labels", () => {
  it("id2label wins over a disagreeing num_labels", () => {
    const c = parseConvNextConfig({ id2label: { "0": "cat", "1": "dog", "2": "eel" }, num_labels: 7 });
    expect(c.numLabels).toBe(3);
    expect(c.id2label[2]).toBe("eel");
    expect(c.label2id).toEqual({ cat: 0, dog: 1, eel: 2 });
  });
  it("num_labels alone makes LABEL_i names; 0 labels is allowed (identity head)", () => {
    expect(parseConvNextConfig({ num_labels: 3 }).id2label).toEqual({ 0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2" });
    expect(parseConvNextConfig({ num_labels: 0 }).numLabels).toBe(0);
  });
  it("refuses gaps in id2label and unknown problem types", () => {
    expect(() => parseConvNextConfig({ id2label: { "0": "a", "2": "b" } })).toThrow(/keys 0\.\.1, 1 is missing/);
    expect(() => parseConvNextConfig({ problem_type: "ranking" })).toThrow(/problem_type "ranking"/);
  });
});

describe("out_features / out_indices (backbone_utils)", () => {
  const stages = { depths: [1, 1, 1, 1] };
  it("neither: the last stage", () => {
    expect(parseConvNextConfig(stages)).toMatchObject({ outFeatures: ["stage4"], outIndices: [4] });
  });
  it("one derives the other; negative indices allowed", () => {
    expect(parseConvNextConfig({ ...stages, out_features: ["stem", "stage2"] }).outIndices).toEqual([0, 2]);
    expect(parseConvNextConfig({ ...stages, out_indices: [1, -1] }).outFeatures).toEqual(["stage1", "stage4"]);
  });
  it.each([
    [{ out_features: ["stage5"] }, /subset of/],
    [{ out_features: ["stage2", "stage1"] }, /stage order/],
    [{ out_features: ["stage1", "stage1"] }, /duplicates/],
    [{ out_indices: [7] }, /out of range/],
    [{ out_indices: [2, 1] }, /stage order/],
    [{ out_features: ["stage1"], out_indices: [2] }, /do not name the same stages/],
  ])("refuses %j", (extra, message) => {
    expect(() => parseConvNextConfig({ ...stages, ...extra }, "cfg.json")).toThrow(message);
  });
});

describe("invalid configs name the file and the problem", () => {
  it.each([
    [
      { depths: [1, 1, 1], hidden_sizes: [8, 16, 32, 64] },
      /num_stages is 4 but depths has 3 entries and hidden_sizes 4/,
    ],
    [{ num_stages: 3 }, /num_stages is 3 but depths has 4/],
    [{ hidden_act: "gelu_99" }, /unknown hidden_act "gelu_99"/],
    [{ hidden_sizes: [8, 0, 16, 32] }, /"hidden_sizes" must be a list of 1\.\.16 integers in 1\.\.65536/],
    [{ patch_size: 0 }, /"patch_size" must be an integer in 1\.\.1024/],
    [{ model_type: "vit" }, /model_type "vit" is not a ConvNeXT model/],
    [[1, 2], /not a JSON object/],
  ])("%j", (json, message) => {
    expect(() => parseConvNextConfig(json, "m/config.json")).toThrow(message);
    expect(() => parseConvNextConfig(json, "m/config.json")).toThrow(/^m\/config\.json: invalid config/);
  });
});

describe("drop path rates", () => {
  it("are torch.linspace(0, rate, sum(depths)) split by stage", () => {
    const rates = dropPathRates(parseConvNextConfig({ depths: [1, 2, 1, 1], drop_path_rate: 0.4 }));
    expect(rates.map((r) => r.length)).toEqual([1, 2, 1, 1]);
    expect(rates.flat()).toEqual([0, 0.1, 0.2, 0.3, 0.4].map(Math.fround));
  });
});
