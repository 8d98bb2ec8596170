// The benchmark's ONNX export (bench/onnx-export.mjs) run in onnxruntime-node: the float32 graph computes our
// float32 model's logits, and the int8 graph (quantize_dynamic's form: DynamicQuantizeLinear + MatMulInteger
// with our int8 weights) loads and computes our int8 model's logits within the difference of the two
// activation quantizations (one scale per tensor there, per pixel here), about the size of either one's error.
// onnxruntime-node is not a dependency of the project (the benchmark installs it on demand: bench/setup.mjs
// ensurePeers); without it these tests are skipped, unless CONVNEXT_PEER_TESTS=required (CI, which installs it).
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs module of the benchmark, without types
import { convnextToOnnx } from "../../bench/onnx-export.mjs";
import { loadPretrained, type ConvNextForImageClassification } from "../../src/index.js";
import { fixture, readTensors } from "../helpers/helpers.js";

const PIXELS = readTensors(fixture("tiny-classifier", "expected.safetensors")).get("pixel_values")!;
const HOW = "npm run bench -- --peers installs it, or npm install --no-save onnxruntime-node@1.30.0";
const required = process.env.CONVNEXT_PEER_TESTS === "required";
/** The part of onnxruntime-node's API used here (typed by hand: the package may be absent when this compiles). */
interface Ort {
  InferenceSession: {
    create(
      model: Uint8Array,
      options: object,
    ): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: "float32", data: Float32Array, dims: number[]) => unknown;
}
const ORT = "onnxruntime-node"; // a name, not a literal specifier: no compile-time resolution
const ort = await (import(ORT) as Promise<Ort>).catch((e: unknown): null => {
  if (required) throw new Error(`CONVNEXT_PEER_TESTS=required but onnxruntime-node does not load (${HOW})`, { cause: e }); // prettier-ignore
  console.warn(`bench/onnx-export.mjs tests skipped: onnxruntime-node is not installed (${HOW})`);
  return null;
});

function relL2(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < e.length; i++) {
    d += (a[i] - e[i]) ** 2;
    s += e[i] ** 2;
  }
  return Math.sqrt(d / s);
}

async function runOnnx(model: ConvNextForImageClassification): Promise<{ logits: Float32Array; ops: string }> {
  const bytes = convnextToOnnx(model, 64) as Uint8Array;
  const session = await ort!.InferenceSession.create(bytes, { graphOptimizationLevel: "all" });
  const out = await session.run({ pixel_values: new ort!.Tensor("float32", PIXELS.data, [...PIXELS.shape]) });
  await session.release();
  return { logits: out.logits.data as Float32Array, ops: new TextDecoder("latin1").decode(bytes) };
}

const title = "bench/onnx-export.mjs in onnxruntime-node";
describe.skipIf(!ort)(ort ? title : `${title} (skipped: onnxruntime-node is not installed; ${HOW})`, () => {
  it("float32: the same logits as ours", async () => {
    const model = (await loadPretrained(fixture("tiny-classifier"))) as ConvNextForImageClassification;
    const { logits } = await runOnnx(model);
    expect(relL2(logits, model.forward(PIXELS).logits.data)).toBeLessThan(1e-5);
  });

  it("int8: quantize_dynamic's graph on our int8 weights, close to our int8 model", async () => {
    const f32 = (await loadPretrained(fixture("tiny-classifier"))) as ConvNextForImageClassification;
    const int8 = (await loadPretrained(fixture("tiny-classifier"), { dtype: "int8" })) as ConvNextForImageClassification; // prettier-ignore
    const { logits, ops } = await runOnnx(int8);
    for (const op of ["DynamicQuantizeLinear", "MatMulInteger"]) expect(ops).toContain(op);
    const ours = int8.forward(PIXELS).logits.data;
    const float = f32.forward(PIXELS).logits.data;
    // measured: onnxruntime int8 vs our float32 1.3%, ours int8 vs float32 1.1%, the two int8 1.8%
    const theirs = relL2(logits, float);
    expect(theirs).toBeGreaterThan(1e-3); // integer arithmetic did run
    expect(theirs).toBeLessThan(0.03);
    expect(relL2(logits, ours)).toBeLessThan(0.03);
  });
});
