// The core under Deno and Bun (both install from the npm registry, their binaries inside registry packages):
// test/runtimes/core-parity.mjs runs dist/core.js there, and its outputs must match transformers' within the
// parity tolerance, with the kernels' Web Workers taking part, and the photo's labels must be Node's. Each
// runtime is found as DENO_PATH / BUN_PATH, on PATH, or in node_modules/.bin (`npm install --no-save deno bun`,
// as .ci/run does); without it its test is skipped, unless CONVNEXT_RUNTIME_TESTS=required (CI).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ImageClassifier, memoryFiles } from "../../src/core.js";
import { fixture, readTensors, toleranceRatio } from "../helpers/helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const required = process.env.CONVNEXT_RUNTIME_TESTS === "required";

function find(name: string, env: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), join(ROOT, "node_modules/.bin")];
  return [process.env[env], ...dirs.map((d) => join(d, name))].find((p) => p && existsSync(p));
}

const RUNTIMES = [
  { name: "Deno", path: find("deno", "DENO_PATH"), args: ["run", "--allow-read", "test/runtimes/core-parity.mjs"] },
  { name: "Bun", path: find("bun", "BUN_PATH"), args: ["test/runtimes/core-parity.mjs"] },
];

interface Report {
  runtime: string;
  backend: string;
  kernels: string;
  threads: number;
  workerChunks: number;
  outputs: Record<string, number[]>;
  predictions: Array<{ label: string; index: number; score: number }>;
}

for (const runtime of RUNTIMES) {
  if (!runtime.path && !required) console.warn(`${runtime.name} tests skipped: no ${runtime.name.toLowerCase()} (see test/runtimes/runtimes.test.ts)`); // prettier-ignore
  describe.skipIf(!runtime.path && !required)(`the core under ${runtime.name}`, () => {
    it("matches transformers' outputs on the wasm kernels with workers, and Node's labels on a photo", async () => {
      if (!runtime.path) throw new Error(`CONVNEXT_RUNTIME_TESTS=required but ${runtime.name} is not installed`);
      const out = execFileSync(runtime.path, runtime.args, { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      const report = JSON.parse(out.trim().split("\n").at(-1)!) as Report;
      expect(report.runtime.toLowerCase()).toMatch(new RegExp(`^${runtime.name.toLowerCase()} `));
      expect(report.backend).toBe("wasm");
      if (availableParallelism() > 1) {
        expect(report.threads).toBe(availableParallelism()); // one per core, as in Node
        expect(report.workerChunks).toBeGreaterThan(0);
      }

      const expected = readTensors(fixture("tiny-classifier", "expected.safetensors"));
      const compared = [...expected.keys()].filter((k) => !["pixel_values", "labels", "loss"].includes(k));
      expect(Object.keys(report.outputs).sort()).toEqual(compared.sort());
      for (const [key, values] of Object.entries(report.outputs)) {
        expect(toleranceRatio(values, expected.get(key)!.data), key).toBeLessThanOrEqual(1);
      }

      // the same photo in Node (its kernel build may differ from this runtime's: scores agree to float32 rounding)
      const model = join(ROOT, "examples/model");
      const read = (f: string) => new Uint8Array(readFileSync(join(model, f)));
      const node = await ImageClassifier.fromPretrained(
        memoryFiles("example", Object.fromEntries(["config.json", "model.safetensors", "preprocessor_config.json"].map((f) => [f, read(f)]))), // prettier-ignore
        { onWarning: () => {} },
      );
      const [mine] = await node.classify([new Uint8Array(readFileSync(fixture("images/photos/darknet/dog.jpg")))]);
      expect(report.predictions.map((p) => p.label)).toEqual(mine.predictions!.map((p) => p.label));
      report.predictions.forEach((p, i) => expect(p.score).toBeCloseTo(mine.predictions![i].score, 6));
    });
  });
}
