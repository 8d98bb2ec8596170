// Every model fixture under every backend and thread count: the fast paths must keep HF parity.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureBackend, disposeBackends, getBackend, resolveBackendName } from "../../src/index.js";
import { setConfigurationError } from "../../src/backend/backend.js";
import { expectParity, MODEL_FIXTURES, runFixture } from "../helpers/parity.js";
import { ConvNextForImageClassification, loadPretrained, Tensor } from "../../src/index.js";
import { fixture, randomArray, relativeToMax } from "../helpers/helpers.js";

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

describe.each(CONFIGS)("backend $backend, $threads thread(s)", ({ backend, threads }) => {
  it.each(MODEL_FIXTURES)("%s matches transformers", async (name) => {
    configureBackend({ backend, threads });
    const b = getBackend();
    expect(b?.name ?? "reference").toBe(backend);
    expect(b?.threads ?? 1).toBe(threads);
    const worst = expectParity(name, await runFixture(name));
    console.log(`${backend}/${threads}: ${name}: worst ${worst.key} at ${worst.ratio.toFixed(3)} x tolerance`);
  });
});

// The fixtures' planes are small; at 224 x 224 stage 1 has 56 x 56 planes, which the fast GEMM packs in several
// pixel chunks, at batch 1 and 2. Checked against the reference kernels on the same weights.
describe("a 224 x 224 input on every backend and thread count", () => {
  const pixels = new Tensor(randomArray(2 * 3 * 224 * 224, 7, -2, 2), [2, 3, 224, 224]);
  const run = async (backend: "reference" | "js" | "wasm", threads: number) => {
    configureBackend({ backend, threads });
    const model = (await loadPretrained(fixture("tiny-classifier"), {
      onWarning: () => {},
    })) as ConvNextForImageClassification;
    const r = model.forward(pixels.batchEntry(0), { outputHiddenStates: true });
    const b = model.forward(pixels, { outputHiddenStates: true });
    return [r.hiddenStates![1], r.logits, b.hiddenStates![1], b.logits];
  };
  let expected: Tensor[] = [];
  beforeAll(async () => {
    expected = await run("reference", 1);
  });
  it.each(CONFIGS.slice(1))("$backend, $threads thread(s)", async ({ backend, threads }) => {
    const got = await run(backend, threads);
    got.forEach((t, i) => expect(relativeToMax(t.data, expected[i].data)).toBeLessThan(1e-5));
  });
});

it("auto picks wasm where WebAssembly SIMD is available", () => {
  expect(resolveBackendName("auto")).toBe("wasm");
});

describe("backend configuration errors", () => {
  it("names a bad backend or thread count", () => {
    expect(() => configureBackend({ backend: "gpu" as "js" })).toThrow(/unknown backend "gpu"/);
    expect(() => configureBackend({ threads: -1 })).toThrow(/threads must be a non-negative integer/);
    expect(() => configureBackend({ threads: 1.5 })).toThrow(/got 1.5/);
  });

  it("reports a bad CONVNEXT_BACKEND on first use, until configured explicitly", () => {
    setConfigurationError('CONVNEXT_BACKEND="gpu" is not one of auto, reference, js, wasm');
    expect(() => getBackend()).toThrow(/CONVNEXT_BACKEND="gpu"/);
    configureBackend({ backend: "auto" });
    expect(getBackend()?.name).toBe("wasm");
  });
});
