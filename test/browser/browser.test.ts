// The core in a real browser (Chromium, driven by playwright-core): the package's dist/core.js loaded as
// native ES modules from a local server, the tiny-classifier fixture run through the public API, outputs
// compared with transformers'. Checked: on an ordinary page the wasm kernels run on one thread; on a
// cross-origin isolated page (COOP + COEP) on two, with a Web Worker taking part of every kernel; the pure-TS
// kernels on two threads; the model inside a dedicated Worker. Needs a Chromium: CHROMIUM_PATH, or
// /usr/bin/chromium (.ci/run installs Debian's); without one these tests are skipped, unless
// CONVNEXT_BROWSER_TESTS=required (as in CI), where that is a failure.
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumExecutable, startStaticServer } from "../../tools/browser.mjs";
import { loadPretrained, referenceExecutor } from "../../src/index.js";
import { fixture, readTensors, relativeToMax, toleranceRatio } from "../helpers/helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERVED = ["dist/", "test/browser/", "test/fixtures/tiny-classifier/"];
const executable = chromiumExecutable();
const required = process.env.CONVNEXT_BROWSER_TESTS === "required";

interface RunResult {
  backend: string;
  threads: number;
  workerChunks: number;
  relaxedSimd: boolean;
  crossOriginIsolated: boolean;
  dtypes: string[];
  outputs: Record<string, number[]>;
}

const skipped = !executable && !required;
const HOW =
  "install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH; CONVNEXT_BROWSER_TESTS=required makes a missing browser a failure";
if (skipped) console.warn(`test/browser: skipped, no Chromium found (${HOW})`);

describe.skipIf(skipped)(skipped ? `in Chromium (skipped: no Chromium found; ${HOW})` : "in Chromium", () => {
  const expected = readTensors(fixture("tiny-classifier", "expected.safetensors"));
  let server: Awaited<ReturnType<typeof startStaticServer>> | undefined;
  let browser: Browser | undefined;
  let origin = "";

  beforeAll(async () => {
    if (!executable) throw new Error("CONVNEXT_BROWSER_TESTS=required but no Chromium found (set CHROMIUM_PATH)");
    server = await startStaticServer(ROOT, SERVED);
    origin = server.origin;
    browser = await chromium.launch({ executablePath: executable, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Runs test/browser/run-model.mjs on a fresh page, or in a Worker that page starts. */
  async function run(mode: "isolated" | "plain", options: object, inWorker = false): Promise<RunResult> {
    const page = await browser!.newPage();
    try {
      await page.goto(`${origin}/${mode}/`);
      if (!inWorker) {
        // a string: vitest rewrites import() inside functions, and this one must run as the browser's
        const url = `${origin}/${mode}/test/browser/run-model.mjs`;
        return (await page.evaluate(
          `import("${url}").then((m) => m.runModel(${JSON.stringify(options)}))`,
        )) as RunResult;
      }
      return (await page.evaluate(
        async ({ options }) => {
          const worker = new Worker(new URL("test/browser/worker.mjs", location.href), { type: "module" });
          const reply = await new Promise<{ result?: unknown; error?: string }>((resolve, reject) => {
            worker.onmessage = (event) => resolve(event.data);
            worker.onerror = (event) => reject(new Error(event.message));
            worker.postMessage(options);
          });
          worker.terminate();
          if (reply.error) throw new Error(reply.error);
          return reply.result;
        },
        { options },
      )) as RunResult;
    } finally {
      await page.close();
    }
  }

  function expectParity(result: RunResult) {
    const compared = [...expected.keys()].filter((k) => !["pixel_values", "labels", "loss"].includes(k));
    expect(Object.keys(result.outputs).sort()).toEqual(compared.sort());
    for (const [key, values] of Object.entries(result.outputs)) {
      expect(toleranceRatio(values, expected.get(key)!.data), key).toBeLessThanOrEqual(1);
    }
  }

  it("an ordinary page (not cross-origin isolated): the wasm kernels by default, on one thread", async () => {
    const result = await run("plain", {});
    expect(result.crossOriginIsolated).toBe(false);
    expect([result.backend, result.threads]).toEqual(["wasm", 1]);
    expectParity(result);
  });

  it("a cross-origin isolated page: wasm kernels on two threads, a Web Worker running part of them", async () => {
    const result = await run("isolated", { backend: "wasm", threads: 2 });
    expect(result.crossOriginIsolated).toBe(true);
    expect([result.backend, result.threads]).toEqual(["wasm", 2]);
    expect(result.workerChunks).toBeGreaterThan(0);
    expect(result.relaxedSimd).toBe(true); // Chromium validates relaxed SIMD: the fused multiply-add build runs
    expectParity(result);
  });

  it("a cross-origin isolated page: the pure-TS kernels on two threads", async () => {
    const result = await run("isolated", { backend: "js", threads: 2 });
    expect([result.backend, result.threads]).toEqual(["js", 2]);
    expect(result.workerChunks).toBeGreaterThan(0);
    expectParity(result);
  });

  // the wasm GEMMs for such weights are a module of their own (test/backend/weight-kernels.test.ts): fetched
  // when fromPretrained meets the model, the running backend switching to it, its Web Worker restarted
  it.each([
    ["f16", ["F16"], 1e-5],
    ["int8", ["F32", "I8"], 3e-2], // test/backend/executors-dtypes.test.ts: one level of a quantized pixel
  ] as const)(
    "dtype %s on an isolated page: the weight kernels load on demand, two threads",
    async (dtype, held, tolerance) => {
      const result = await run("isolated", { backend: "wasm", threads: 2, dtype });
      expect([result.backend, result.threads, result.dtypes]).toEqual(["wasm", 2, held]);
      expect(result.workerChunks).toBeGreaterThan(0);
      const model = await loadPretrained(fixture("tiny-classifier"), { dtype, onWarning: () => {} });
      const pixels = expected.get("pixel_values")!;
      const reference = model.forwardNamed(pixels, { outputHiddenStates: true, executor: referenceExecutor });
      expect(Object.keys(result.outputs).sort()).toEqual([...reference.keys()].sort());
      for (const [key, values] of Object.entries(result.outputs)) {
        expect(relativeToMax(values, reference.get(key)!.data), key).toBeLessThan(tolerance);
      }
    },
  );

  it("the model inside a dedicated Worker of an isolated page: wasm on two threads", async () => {
    const result = await run("isolated", { backend: "wasm", threads: 2 }, true);
    expect([result.backend, result.threads]).toEqual(["wasm", 2]);
    expect(result.workerChunks).toBeGreaterThan(0);
    expectParity(result);
  });
});
