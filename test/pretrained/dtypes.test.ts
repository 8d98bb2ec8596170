// Weights held in float16, bfloat16 or int8: the `dtype` option of fromPretrained, the int8 checkpoint format
// (weight + weight_scale, quantization_config) read back bit for bit, and one clear error, naming the file
// and the field or tensor, for each way such a checkpoint can be malformed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  configureBackend,
  Conv2d,
  ConvNextForImageClassification,
  convertWeights,
  getBackend,
  int8QuantizationConfig,
  Linear,
  loadPretrained,
  memoryFiles,
  serializeRawSafetensors,
  weightTensors,
  type RawTensor,
} from "../../src/index.js";
import { widen16 } from "../../src/tensor/dtype.js";
import { narrow16 } from "../../src/tensor/narrow16.js";
import { fixture, readTensors, relativeToMax } from "../helpers/helpers.js";

const CONFIG = JSON.parse(readFileSync(fixture("tiny-classifier", "config.json"), "utf8")) as Record<string, unknown>;
const EXPECTED = readTensors(fixture("tiny-classifier", "expected.safetensors"));
const PIXELS = EXPECTED.get("pixel_values")!;
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

const load = (config: Record<string, unknown>, tensors: Iterable<[string, RawTensor]>, dtype?: "auto" | "f32") =>
  loadPretrained(
    memoryFiles("mem", { "config.json": json(config), "model.safetensors": serializeRawSafetensors(tensors) }),
    dtype ? { dtype } : {},
  ) as Promise<ConvNextForImageClassification>;

async function fp32Model() {
  return (await loadPretrained(fixture("tiny-classifier"))) as ConvNextForImageClassification;
}

/** The tiny classifier converted to `dtype` and written as convert would write it. */
async function converted(dtype: "f16" | "bf16" | "int8") {
  const model = await fp32Model();
  convertWeights(model, dtype);
  const config = dtype === "int8" ? { ...CONFIG, quantization_config: int8QuantizationConfig() } : CONFIG;
  return { model, config, tensors: weightTensors(model) };
}

describe.each(["f16", "bf16"] as const)("%s checkpoints", (dtype) => {
  const DTYPE = dtype === "f16" ? "F16" : "BF16";

  it('dtype "auto" keeps every weight 16-bit, and computes exactly what the upcast model computes', async () => {
    const { tensors, config } = await converted(dtype);
    const kept = await load(config, tensors, "auto");
    const upcast = await load(config, tensors); // the default: float32, as from_pretrained
    expect(new Set(kept.namedParameters().map(([, p]) => p.dtype))).toEqual(new Set([DTYPE]));
    expect(new Set(upcast.namedParameters().map(([, p]) => p.dtype))).toEqual(new Set(["F32"]));
    const w = kept.classifier!.weight;
    expect(upcast.classifier!.weight.data).toEqual(widen16(w.stored!.dtype === "I8" ? new Uint16Array() : w.stored!.bits, DTYPE)); // prettier-ignore
    for (const backend of ["reference", "js", "wasm"] as const) {
      configureBackend({ backend, threads: 2 });
      const a = kept.forwardNamed(PIXELS);
      const e = upcast.forwardNamed(PIXELS);
      for (const [name, t] of e) expect(a.get(name)!.data, `${backend} ${name}`).toEqual(t.data);
    }
    configureBackend({ backend: "auto", threads: 0 });
  });

  it("the GEMM weights' heap copies are 16-bit (the norms', biases' and depthwise filters' are float32)", async () => {
    const { tensors, config } = await converted(dtype);
    configureBackend({ backend: "wasm", threads: 1 });
    const heap = getBackend()!.heap;
    const used = async (model: ConvNextForImageClassification) => {
      const before = heap.bytesInUse;
      model.forward(PIXELS);
      return heap.bytesInUse - before;
    };
    const kept = await load(config, tensors, "auto");
    const upcast = await load(config, tensors, "f32");
    const [k, u] = [await used(kept), await used(upcast)];
    configureBackend({ backend: "auto", threads: 0 });
    // the same workspaces; a GEMM weight (Linear, patchify conv) takes 2 bytes per value instead of 4, any
    // other parameter 4 + its 2 stored bytes (within each block's 64-byte rounding)
    const gemm = new Set(kept.namedModules().flatMap(([, m]) => (m instanceof Linear || m instanceof Conv2d ? [m.weight] : []))); // prettier-ignore
    let expected = 0;
    for (const [, p] of kept.namedParameters()) expected += gemm.has(p) ? 2 * p.size : -2 * p.size;
    expect(expected).toBeGreaterThan(0);
    expect(Math.abs(u - k - expected)).toBeLessThan(64 * kept.namedParameters().length);
  });
});

describe("int8 checkpoints", () => {
  it("load int8 by default (their quantization_config) and reproduce the converted model exactly", async () => {
    const { model, config, tensors } = await converted("int8");
    const loaded = await load(config, tensors);
    for (const [name, p] of loaded.namedParameters()) {
      const q = model.namedParameters().find(([n]) => n === name)![1];
      expect(p.dtype, name).toBe(q.dtype);
      if (p.stored?.dtype === "I8" && q.stored?.dtype === "I8") {
        expect(p.stored.values, name).toEqual(q.stored.values);
        expect(p.stored.scales, name).toEqual(q.stored.scales);
      }
    }
    expect(loaded.model.encoder.stages.items[0].layers.items[0].pwconv1.weight.dtype).toBe("I8");
    expect(loaded.model.encoder.stages.items[0].layers.items[0].dwconv.weight.dtype).toBe("F32");
    expect(loaded.classifier!.weight.dtype).toBe("I8");
    const a = loaded.forward(PIXELS).logits.data;
    expect(a).toEqual(model.forward(PIXELS).logits.data);
    // and int8 is close to the float32 model: the quantization error, not garbage
    const f = (await fp32Model()).forward(PIXELS).logits.data;
    const err = relativeToMax(a, f);
    expect(err).toBeGreaterThan(1e-5);
    expect(err).toBeLessThan(3e-2);
  });

  it('dtype "f32" dequantizes them (a float32 model with the int8 weights\' values)', async () => {
    const { config, tensors } = await converted("int8");
    const model = await load(config, tensors, "f32");
    expect(new Set(model.namedParameters().map(([, p]) => p.dtype))).toEqual(new Set(["F32"]));
    const w = tensors.find(([k]) => k === "classifier.weight")![1];
    const s = tensors.find(([k]) => k === "classifier.weight_scale")![1];
    const scales = new Float32Array(s.bytes.slice().buffer);
    const K = w.shape[1];
    expect(model.classifier!.weight.data[K + 3]).toBe(Math.fround(new Int8Array(w.bytes.slice().buffer)[K + 3] * scales[1])); // prettier-ignore
  });

  const int8Case = async (edit: (config: Record<string, unknown>, tensors: Map<string, RawTensor>) => void) => {
    const { config, tensors } = await converted("int8");
    const t = new Map(tensors);
    const c = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
    edit(c, t);
    return load(c, t);
  };
  const group = (c: Record<string, unknown>) =>
    (c.quantization_config as { config_groups: Record<string, Record<string, Record<string, unknown>>> }).config_groups
      .group_0;
  const W1 = "convnext.encoder.stages.0.layers.0.pwconv1.weight";

  it.each([
    ["a quant_method it does not know", (c: Record<string, unknown>) => ((c.quantization_config as Record<string, unknown>).quant_method = "gptq"), /mem\/config\.json: quantization_config: "quant_method" is "gptq"/], // prettier-ignore
    ["4-bit weights", (c: Record<string, unknown>) => (group(c).weights.num_bits = 4), /"config_groups\.group_0\.weights\.num_bits" is 4; this engine computes 8/], // prettier-ignore
    ["symmetric activations", (c: Record<string, unknown>) => (group(c).input_activations.symmetric = true), /"config_groups\.group_0\.input_activations\.symmetric" is true/], // prettier-ignore
    ["per-tensor weight scales", (c: Record<string, unknown>) => (group(c).weights.strategy = "tensor"), /weights\.strategy" is "tensor"/], // prettier-ignore
    ["targets other than Linear", (c: Record<string, unknown>) => (group(c).targets = ["Conv2d"] as unknown as Record<string, unknown>), /targets" is \["Conv2d"\]/], // prettier-ignore
    ["a quantization_config that is not an object", (c: Record<string, unknown>) => (c.quantization_config = "int8"), /quantization_config: not a JSON object/], // prettier-ignore
  ])("a malformed quantization_config is named: %s", async (_what, edit, message) => {
    await expect(int8Case((c) => void edit(c))).rejects.toThrow(message);
  });

  it.each([
    ["a missing weight_scale", (t: Map<string, RawTensor>) => t.delete(`${W1}_scale`), /mem\/model\.safetensors: int8 tensor "convnext\.encoder\.stages\.0\.layers\.0\.pwconv1\.weight" has no ".*pwconv1\.weight_scale"/], // prettier-ignore
    ["scales of the wrong shape", (t: Map<string, RawTensor>) => { const s = t.get(`${W1}_scale`)!; t.set(`${W1}_scale`, { ...s, shape: [1, s.shape[0]] }); }, /"convnext\.encoder\.stages\.0\.layers\.0\.pwconv1\.weight_scale" is F32 \[1, 32\]; expected one float scale per output channel .*\[32, 1\]/], // prettier-ignore
    ["negative scales", (t: Map<string, RawTensor>) => { const s = t.get(`${W1}_scale`)!; const v = new Float32Array(s.bytes.slice().buffer); v[0] = -1; t.set(`${W1}_scale`, { ...s, bytes: new Uint8Array(v.buffer) }); }, /pwconv1\.weight_scale" holds a negative or non-finite scale/], // prettier-ignore
    ["a stray weight_scale", (t: Map<string, RawTensor>) => t.set("convnext.embeddings.patch_embeddings.weight_scale", t.get(`${W1}_scale`)!), /"convnext\.embeddings\.patch_embeddings\.weight_scale" scales no int8 weight/], // prettier-ignore
    ["an int8 tensor that is not a Linear weight", (t: Map<string, RawTensor>) => { const s = t.get("convnext.embeddings.patch_embeddings.bias")!; t.set("convnext.embeddings.patch_embeddings.bias", { dtype: "I8", shape: s.shape, bytes: new Uint8Array(s.shape[0]) }); }, /int8 tensor "convnext\.embeddings\.patch_embeddings\.bias" \[8\]: only 2-D nn\.Linear weights/], // prettier-ignore
  ])("a malformed int8 tensor is named: %s", async (_what, edit, message) => {
    await expect(int8Case((_c, t) => void edit(t))).rejects.toThrow(message);
  });

  it("int8 tensors without a quantization_config, and a quantization_config without int8 tensors, are refused", async () => {
    const { tensors } = await converted("int8");
    await expect(load(CONFIG, tensors)).rejects.toThrow(/is int8 but config\.json has no quantization_config/);
    const float = weightTensors(await fp32Model());
    await expect(load({ ...CONFIG, quantization_config: int8QuantizationConfig() }, float)).rejects.toThrow(
      /has a quantization_config but no tensor is int8/,
    );
  });

  it("an int8 weight of the wrong shape is a mis-shaped key, like any other", async () => {
    await expect(
      int8Case((_c, t) => {
        const w = t.get(W1)!;
        const [out, inp] = w.shape;
        t.set(W1, { ...w, shape: [inp, out] });
        t.set(`${W1}_scale`, { dtype: "F32", shape: [inp, 1], bytes: new Uint8Array(4 * inp) });
      }),
    ).rejects.toThrow(/mis-shaped keys \(1\):\n\s+convnext\.encoder\.stages\.0\.layers\.0\.pwconv1\.weight: checkpoint \[8, 32\] vs model \[32, 8\]/); // prettier-ignore
  });
});

it("fromPretrained's dtype converts on load: f16 / bf16 round every weight, int8 quantizes the Linear weights", async () => {
  for (const dtype of ["f16", "bf16", "int8"] as const) {
    const model = (await loadPretrained(fixture("tiny-classifier"), { dtype })) as ConvNextForImageClassification;
    const { model: byConvert } = await converted(dtype);
    expect(model.forward(PIXELS).logits.data, dtype).toEqual(byConvert.forward(PIXELS).logits.data);
    const held = new Set(model.namedParameters().map(([, p]) => p.dtype));
    expect([...held].sort(), dtype).toEqual(dtype === "int8" ? ["F32", "I8"] : [dtype.toUpperCase()]);
  }
  // f16 rounds to nearest even, like torch's .half()
  const w = (await fp32Model()).classifier!.weight.data;
  const model = (await loadPretrained(fixture("tiny-classifier"), { dtype: "f16" })) as ConvNextForImageClassification;
  const s = model.classifier!.weight.stored!;
  expect(s.dtype === "F16" && Array.from(s.bits)).toEqual(Array.from(narrow16(w, "F16")));
});

it("an unknown dtype option is refused before anything is read", async () => {
  const options = { dtype: "int4" } as unknown as { dtype: "int8" };
  await expect(loadPretrained(fixture("tiny-classifier"), options)).rejects.toThrow(
    /dtype must be "auto", "f32", "f16", "bf16", "int8"; got "int4"/,
  );
});
