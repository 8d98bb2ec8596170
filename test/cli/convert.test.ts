// `convnext convert` and `convnext info`, run in-process on the format fixtures.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import convert from "../../src/cli/convert.js";
import info from "../../src/cli/info.js";
import { parseSafetensors } from "../../src/io/safetensors.js";
import { loadPretrained, type ConvNextForImageClassification } from "../../src/index.js";
import { fixture, readTensors } from "../helpers/helpers.js";

const PIXELS = readTensors(fixture("tiny-classifier", "expected.safetensors")).get("pixel_values")!;

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), "convnext-convert-"));
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(out, { recursive: true, force: true });
});

const tensorsOf = (path: string) => parseSafetensors(new Uint8Array(readFileSync(path)), path);

describe("convnext convert", () => {
  for (const [source, parent] of [
    ["formats/three-stage-patch2/tf", "three-stage-patch2"],
    ["formats/three-stage-patch2/legacy-bin", "three-stage-patch2"],
    ["formats/tiny-classifier/sharded-bin", "tiny-classifier"],
    ["formats/tiny-classifier/tf-safetensors", "tiny-classifier"],
  ]) {
    test(`${source} -> model.safetensors identical to ${parent}/model.safetensors`, async () => {
      const dir = join(out, "converted");
      expect(await convert.run(["--model", fixture(source), "--output", dir])).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(["config.json", "model.safetensors"]);
      const written = tensorsOf(join(dir, "model.safetensors"));
      const expected = tensorsOf(fixture(parent, "model.safetensors")).tensors;
      expect(written.metadata).toEqual({ format: "pt" });
      expect([...written.tensors.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, e] of expected) {
        const a = written.tensors.get(key)!;
        expect({ key, dtype: a.dtype, shape: a.shape }).toEqual({ key, dtype: "F32", shape: e.shape });
        expect(Buffer.compare(Buffer.from(a.bytes), Buffer.from(e.bytes)), key).toBe(0);
      }
      expect(readFileSync(join(dir, "config.json"))).toEqual(readFileSync(fixture(source, "config.json")));
    });
  }

  test("preprocessor_config.json is copied when present", async () => {
    const dir = join(out, "c");
    await convert.run(["--model", fixture("tiny-classifier"), "--output", dir]);
    expect(readFileSync(join(dir, "preprocessor_config.json"))).toEqual(
      readFileSync(fixture("tiny-classifier", "preprocessor_config.json")),
    );
  });

  test("a refused checkpoint leaves no output directory and no temporary files", async () => {
    const dir = join(out, "bad");
    await expect(
      convert.run(["--model", fixture("formats/malicious/reduce-posix-system"), "--output", dir]),
    ).rejects.toThrow(/global "posix\.system"/);
    expect(readdirSync(out)).toEqual([]);
  });

  test("an existing directory is kept unless --overwrite", async () => {
    const dir = join(out, "existing");
    mkdirSync(dir);
    writeFileSync(join(dir, "keep.txt"), "x");
    await expect(convert.run(["--model", fixture("tiny-classifier"), "--output", dir])).rejects.toThrow(
      /already exists; pass --overwrite/,
    );
    expect(readdirSync(dir)).toEqual(["keep.txt"]);
    expect(await convert.run(["--model", fixture("tiny-classifier"), "--output", dir, "--overwrite"])).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["config.json", "model.safetensors", "preprocessor_config.json"]);
    expect(readdirSync(out)).toEqual(["existing"]);
  });
});

describe("convnext convert --dtype", () => {
  test.each(["f16", "bf16"])(
    "%s: every tensor 16-bit, torch_dtype set, loads back to the same outputs",
    async (dtype) => {
      const dir = join(out, dtype);
      expect(await convert.run(["--model", fixture("tiny-classifier"), "--output", dir, "--dtype", dtype])).toBe(0);
      const written = tensorsOf(join(dir, "model.safetensors")).tensors;
      const DTYPE = dtype.toUpperCase();
      expect(new Set([...written.values()].map((t) => t.dtype))).toEqual(new Set([DTYPE]));
      const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      expect(config.torch_dtype).toBe(dtype === "f16" ? "float16" : "bfloat16");
      expect(config.quantization_config).toBeUndefined();
      const direct = (await loadPretrained(fixture("tiny-classifier"), { dtype: dtype as "f16" })) as ConvNextForImageClassification; // prettier-ignore
      const reread = (await loadPretrained(dir, { dtype: "auto" })) as ConvNextForImageClassification;
      expect(reread.classifier!.weight.dtype).toBe(DTYPE);
      expect(reread.forward(PIXELS).logits.data).toEqual(direct.forward(PIXELS).logits.data);
    },
  );

  test("int8: Linear weights I8 + weight_scale, the rest F32, a quantization_config; back to f32 drops it", async () => {
    const dir = join(out, "int8");
    expect(await convert.run(["--model", fixture("tiny-classifier"), "--output", dir, "--dtype", "int8"])).toBe(0);
    const written = tensorsOf(join(dir, "model.safetensors")).tensors;
    const int8 = [...written].filter(([, t]) => t.dtype === "I8").map(([k]) => k);
    // 5 blocks x (pwconv1, pwconv2) + the classifier
    expect(int8.length).toBe(11);
    expect(int8.every((k) => /(pwconv[12]|classifier)\.weight$/.test(k))).toBe(true);
    for (const k of int8) expect(written.get(`${k}_scale`)!.shape).toEqual([written.get(k)!.shape[0], 1]);
    expect(written.size).toBe(tensorsOf(fixture("tiny-classifier", "model.safetensors")).tensors.size + int8.length);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config.quantization_config.quant_method).toBe("compressed-tensors");
    const direct = (await loadPretrained(fixture("tiny-classifier"), { dtype: "int8" })) as ConvNextForImageClassification; // prettier-ignore
    const reread = (await loadPretrained(dir)) as ConvNextForImageClassification;
    expect(reread.forward(PIXELS).logits.data).toEqual(direct.forward(PIXELS).logits.data);

    const back = join(out, "back");
    expect(await convert.run(["--model", dir, "--output", back])).toBe(0);
    expect(JSON.parse(readFileSync(join(back, "config.json"), "utf8")).quantization_config).toBeUndefined();
    const f32 = tensorsOf(join(back, "model.safetensors")).tensors;
    expect(new Set([...f32.values()].map((t) => t.dtype))).toEqual(new Set(["F32"]));
    expect(f32.has("classifier.weight_scale")).toBe(false);
  });

  test("an unknown dtype is a usage error", async () => {
    await expect(
      convert.run(["--model", fixture("tiny-classifier"), "--output", join(out, "x"), "--dtype", "int4"]),
    ).rejects.toThrow(/--dtype must be f32, f16, bf16, int8, got "int4"/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("convnext info", () => {
  test("prints architecture, parameters (= the checkpoint's element count), dtype, FLOPs and files", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((s: string) => void lines.push(s));
    const dir = fixture("formats/tiny-classifier/sharded-bin");
    expect(await info.run(["--model", dir])).toBe(0);
    const text = lines.join("\n");
    const weights = tensorsOf(fixture("tiny-classifier", "model.safetensors")).tensors;
    const params = [...weights.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    expect(text).toContain("architecture:   ConvNextForImageClassification");
    expect(text).toContain(`parameters:     ${params.toLocaleString("en-US")}`);
    expect(text).toContain(`dtype:          F32 (${weights.size} tensors)`);
    expect(text).toContain("FLOPs:          2.13 MFLOPs (= 2 x 1.07 MMACs");
    expect(text).toContain("format:         pytorch_model.bin (sharded)");
    expect(text).toContain(join(dir, "pytorch_model-00002-of-00002.bin"));
  });

  test("ConvNeXT V2: convert keeps the weights bit for bit (GRN included) and info names the V2 model", async () => {
    for (const name of ["v2-tiny-classifier", "v2-backbone"]) {
      const dir = join(out, name);
      expect(await convert.run(["--model", fixture(name), "--output", dir])).toBe(0);
      const written = tensorsOf(join(dir, "model.safetensors")).tensors;
      const expected = tensorsOf(fixture(name, "model.safetensors")).tensors;
      expect([...written.keys()].sort()).toEqual([...expected.keys()].sort());
      expect([...written.keys()].some((k) => k.endsWith("grn.weight"))).toBe(true);
      for (const [key, e] of expected)
        expect(Buffer.compare(Buffer.from(written.get(key)!.bytes), Buffer.from(e.bytes)), key).toBe(0);
    }
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((s: string) => void lines.push(s));
    expect(await info.run(["--model", fixture("v2-backbone")])).toBe(0);
    expect(lines.join("\n")).toMatch(
      /architecture: +ConvNextBackbone \(model_type convnextv2; config\.json: ConvNextV2Backbone\)/,
    );
  });

  test("a TF checkpoint says it was mapped", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((s: string) => void lines.push(s));
    await info.run(["--model", fixture("formats/tiny-classifier/tf")]);
    expect(lines.join("\n")).toContain("format:         tf_model.h5 (TensorFlow names, mapped to PyTorch)");
  });
});

test("no output is left when the model reference does not exist", async () => {
  await expect(convert.run(["--model", join(out, "missing-dir"), "--output", join(out, "x")])).rejects.toThrow(
    /neither a model directory nor a hub id/,
  );
  expect(existsSync(join(out, "x"))).toBe(false);
});
