// Every model fixture under every backend and thread count: the fast paths must keep HF parity.
import { afterAll, describe, expect, it } from "vitest";
import { configureBackend, disposeBackends, getBackend, resolveBackendName } from "../src/index.js";
import { setConfigurationError } from "../src/backend/backend.js";
import { expectParity, MODEL_FIXTURES, runFixture } from "./parity.js";

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
