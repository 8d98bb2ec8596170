// Training reads and updates Parameter.data as float32: a model holding 16-bit or int8 weights is refused with
// one error naming the parameter and the way out (gradients, trainStep, the optimizers, Grad-CAM, and the grad,
// train and explain commands), and the way out works. The commands load a 16-bit checkpoint upcast to float32
// (as transformers' from_pretrained does), so only an int8 checkpoint is refused there.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import convert from "../../src/cli/convert.js";
import explain from "../../src/cli/explain.js";
import grad from "../../src/cli/grad.js";
import train from "../../src/cli/train.js";
import { loadPretrained, type ConvNextForImageClassification } from "../../src/index.js";
import { convertWeights, type WeightDType } from "../../src/pretrained/weight-dtypes.js";
import { gradCam } from "../../src/train/gradcam.js";
import { trainingKernels } from "../../src/train/fast-kernels.js";
import { computeGradients } from "../../src/train/gradients.js";
import { AdamW, SGD } from "../../src/train/optimizers.js";
import { trainStep } from "../../src/train/train-step.js";
import { fixture, readTensors, relativeToMax } from "../helpers/helpers.js";
import { runCommand } from "../helpers/cli.js";

const ref = readTensors(fixture("tiny-classifier", "grads.safetensors"));
const pixelValues = ref.get("pixel_values")!;
const labels = Int32Array.from(ref.get("labels")!.data);
const load = async (dtype?: "auto" | WeightDType) =>
  (await loadPretrained(fixture("tiny-classifier"), { dtype, onWarning: () => {} })) as ConvNextForImageClassification;

describe("training refuses weights that are not float32", () => {
  it.each([
    ["f16", "float16 \\(16-bit\\)"],
    ["bf16", "bfloat16 \\(16-bit\\)"],
    ["int8", "int8 \\(a quantized weight\\)"],
  ] as const)(
    "%s: gradients, trainStep, SGD, AdamW and Grad-CAM name the parameter and the fix",
    async (dtype, held) => {
      const model = await load(dtype);
      // the first parameter held that way, in state_dict order
      const [name] = model.namedParameters().find(([, p]) => p.dtype !== "F32")!;
      const fix = `; load the model with dtype "f32" \\(fromPretrained\\(ref, \\{ dtype: "f32" \\}\\)\\) or convert it with convertWeights\\(model, "f32"\\)`; // prettier-ignore
      const message = (what: string) => new RegExp(`^${what}: training needs float32 parameters, but "${name.replace(/\./g, "\\.")}" is held as ${held}${fix}`); // prettier-ignore
      expect(() => computeGradients(model, pixelValues, { labels })).toThrow(message("gradients"));
      expect(() => gradCam(model, pixelValues)).toThrow(message("gradients"));
      const params = model.namedParameters();
      expect(() => trainStep(model, pixelValues, labels, { groups: [] } as never)).toThrow(message("trainStep"));
      expect(() => new SGD(params, { lr: 0.1 })).toThrow(message("SGD"));
      expect(() => new AdamW([{ params }], { lr: 0.1 })).toThrow(message("AdamW"));
      if (dtype === "int8") expect(() => computeGradients(model, pixelValues, { labels })).toThrow(/dequantizes the int8 weights/); // prettier-ignore
    },
  );

  it('the way out: dtype "f32" on load, or convertWeights(model, "f32"), trains as float32 does', async () => {
    const expected = computeGradients(await load(), pixelValues, { labels });
    const upcast = computeGradients(await load("f32"), pixelValues, { labels });
    const converted = await load("f16");
    convertWeights(converted, "f32");
    const widened = computeGradients(converted, pixelValues, { labels });
    expect(upcast.loss).toBe(expected.loss);
    for (const [name, g] of expected.grads) expect(upcast.grads.get(name)!.data, name).toEqual(g.data);
    // float16 rounding of the weights moves the loss a little, nothing else differs
    expect(Math.abs(widened.loss! - expected.loss!)).toBeLessThan(1e-2 * Math.abs(expected.loss!));
    const model = await load("int8");
    convertWeights(model, "f32");
    const params = model.namedParameters();
    expect(trainStep(model, pixelValues, labels, new AdamW(params, { lr: 1e-3 }))).toBeGreaterThan(0);
  });
});

describe("convnext grad, train and explain", () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "convnext-float32-"));
    for (const dtype of ["int8", "f16"]) {
      const out = await runCommand(convert, ["--model", fixture("tiny-classifier"), "--output", join(dir, dtype), "--dtype", dtype]); // prettier-ignore
      expect(out.code, out.stderr).toBe(0);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("an int8 checkpoint: one error naming the parameter and the convert command, no output", async () => {
    const model = join(dir, "int8");
    const message = new RegExp(`^${model}: "convnext\\.encoder\\.stages\\.0\\.layers\\.0\\.pwconv1\\.weight" is held as int8 \\(a quantized checkpoint\\), and gradients and training need float32 weights; convert it first: convnext convert --model ${model} --output DIR --dtype f32$`); // prettier-ignore
    const out = join(dir, "out");
    await expect(runCommand(grad, ["--model", model, "--input", fixture("tiny-classifier", "grads.safetensors"), "--output", join(out, "g.safetensors")])).rejects.toThrow(message); // prettier-ignore
    await expect(runCommand(explain, ["--model", model, fixture("images", "photos", "darknet", "dog.jpg"), "--output", join(out, "cam.png")])).rejects.toThrow(message); // prettier-ignore
    await expect(runCommand(train, ["--model", model, "--data", fixture("tiny-classifier", "train.safetensors"), "--output", out, "--steps", "1"])).rejects.toThrow(message); // prettier-ignore
  });

  it("a 16-bit checkpoint is upcast once: the gradients of the float32 model holding the same values", async () => {
    const out = join(dir, "f16-grads.safetensors");
    const r = await runCommand(grad, ["--model", join(dir, "f16"), "--input", fixture("tiny-classifier", "grads.safetensors"), "--output", out]); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const model = await load("f16");
    convertWeights(model, "f32");
    const expected = computeGradients(model, pixelValues, { labels, kernels: trainingKernels() }); // as grad runs it
    const written = readTensors(out);
    expect(Math.abs(written.get("loss")!.data[0] - expected.loss!)).toBeLessThan(1e-6 * Math.abs(expected.loss!));
    for (const [name, g] of expected.grads) {
      expect(relativeToMax(written.get(`grad.${name}`)!.data, g.data), name).toBeLessThanOrEqual(1e-6);
    }
  });
});
