// The core in a real browser (Chromium, driven by playwright-core): the package's dist/core.js loaded as
// native ES modules from a local server, the tiny-classifier fixture run through the public API, outputs
// compared with transformers'. Checked: on an ordinary page the wasm kernels run on one thread; on a
// cross-origin isolated page (COOP + COEP) on two, with a Web Worker taking part of every kernel; the pure-TS
// kernels on two threads; the model inside a dedicated Worker. Needs a Chromium: CHROMIUM_PATH, or
// /usr/bin/chromium (.ci/run installs Debian's); without one these tests are skipped, unless
// CONVNEXT_BROWSER_TESTS=required (as in CI), where that is a failure.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, readTensors, toleranceRatio } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SERVED = ["dist/", "test/browser/", "test/fixtures/tiny-classifier/"];
const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
};
const executable = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p) => p && existsSync(p),
);
const required = process.env.CONVNEXT_BROWSER_TESTS === "required";

interface RunResult {
  backend: string;
  threads: number;
  workerChunks: number;
  relaxedSimd: boolean;
  crossOriginIsolated: boolean;
  outputs: Record<string, number[]>;
}

/** Serves SERVED under /isolated/ (with COOP + COEP) and /plain/ (without); / of each is an empty page. */
function serve(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, mode, ...rest] = url.pathname.split("/");
    const isolation =
      mode === "isolated"
        ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" }
        : {};
    const path = normalize(rest.join("/"));
    if (mode !== "isolated" && mode !== "plain") return void res.writeHead(404).end();
    if (path === "." || path === "") {
      return void res
        .writeHead(200, { ...isolation, "Content-Type": "text/html" })
        .end("<!doctype html><title>convnext</title>");
    }
    if (!SERVED.some((dir) => path.startsWith(dir))) return void res.writeHead(404).end();
    readFile(join(ROOT, path)).then(
      (body) => {
        const type = TYPES[extname(path)] ?? "application/octet-stream";
        res.writeHead(200, { ...isolation, "Content-Type": type }).end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
}

describe.skipIf(!executable && !required)("in Chromium", () => {
  const expected = readTensors(fixture("tiny-classifier", "expected.safetensors"));
  let server: Server;
  let browser: Browser;
  let origin = "";

  beforeAll(async () => {
    if (!executable) throw new Error("CONVNEXT_BROWSER_TESTS=required but no Chromium found (set CHROMIUM_PATH)");
    server = serve();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    browser = await chromium.launch({ executablePath: executable, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  /** Runs test/browser/run-model.mjs on a fresh page, or in a Worker that page starts. */
  async function run(mode: "isolated" | "plain", options: object, inWorker = false): Promise<RunResult> {
    const page = await browser.newPage();
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

  it("the model inside a dedicated Worker of an isolated page: wasm on two threads", async () => {
    const result = await run("isolated", { backend: "wasm", threads: 2 }, true);
    expect([result.backend, result.threads]).toEqual(["wasm", 2]);
    expect(result.workerChunks).toBeGreaterThan(0);
    expectParity(result);
  });
});
