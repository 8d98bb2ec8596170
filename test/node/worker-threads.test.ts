// The kernels' worker threads start under any way Node runs a script: their source is eval'd, and inherits
// the parent's options (`node --input-type=module -e` made it an ES module, where require() is not defined;
// a V8 flag such as --experimental-wasm-relaxed-simd must pass through). The library as built (dist/).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const script = `
  const { configureBackend, getBackend, ConvNextForImageClassification, Tensor } = await import(${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)});
  configureBackend({ backend: "wasm", threads: 2 });
  const model = await ConvNextForImageClassification.fromPretrained("test/fixtures/tiny-classifier");
  const logits = model.forward(Tensor.zeros([8, 3, 64, 64])).logits.data;
  console.log(JSON.stringify({ threads: getBackend().threads, finite: logits.every(Number.isFinite) }));`;

describe("worker threads in a child Node process", () => {
  for (const flags of [["--input-type=module"], ["--experimental-wasm-relaxed-simd", "--input-type=module"]]) {
    it(`node ${flags.join(" ")} -e: two threads run the model`, () => {
      const out = execFileSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" });
      expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual({ threads: 2, finite: true });
    });
  }
});
