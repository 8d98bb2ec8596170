// The Worker API in Chromium (ImageClassifierWorker, FeatureExtractorWorker): the model loaded and run in a
// module Web Worker from a model URL, on a plain page (one thread) and a cross-origin isolated one (the worker's
// kernels on two threads). Its results equal the same pipelines run on the page's own thread; Files, bytes and
// ImageData cross to it, their buffers transferred (or copied on request); the page's main thread is not blocked
// while it works; a missing worker script or model is a clear error.
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticServer } from "../../tools/browser.mjs";
import { launchChromium, skipBrowserTests } from "../helpers/chromium.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERVED = ["dist/", "test/browser/", "examples/model/", "test/fixtures/images/photos/darknet/"];

describe.skipIf(skipBrowserTests)("the Worker API in Chromium", () => {
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await startStaticServer(ROOT, SERVED);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function inPage<T>(mode: "plain" | "isolated", call: string): Promise<T> {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.origin}/${mode}/`);
      // a string: vitest rewrites import() inside functions, and this one must run as the browser's
      return (await page.evaluate(`import("${server.origin}/${mode}/test/browser/worker-page.mjs").then((m) => ${call})`)) as T; // prettier-ignore
    } finally {
      await page.close();
    }
  }

  interface Prediction {
    label: string;
    index: number;
    score: number;
  }
  interface Result {
    file: string;
    predictions?: Prediction[];
    error?: string;
  }
  /** What worker-page.mjs's compare() returns. */
  interface Compared {
    info: Record<string, unknown>;
    progress: string[];
    single: Result;
    list: Result[];
    reference: Result[];
    referenceSingle: Result;
    inspection: unknown;
    detached: Record<string, number>;
    longestTask: { inWorker: number; onPage: number };
    embedding: unknown;
    urls: { worker: Result; page: Result; missing: Result; unsendable: string };
    afterDispose: string;
  }
  const photo = (mode: string, name = "dog.jpg") => `${server.origin}/${mode}/test/fixtures/images/photos/darknet/${name}`; // prettier-ignore
  const args = (mode: string, options = {}) =>
    [photo(mode), photo(mode, "kite.jpg"), options].map((a) => JSON.stringify(a)).join(", ");

  function expectSameAsInThread(r: Compared) {
    expect(r.single).toEqual({ file: "photo.jpg", predictions: expect.any(Array) });
    expect(r.single.predictions).toHaveLength(5);
    // the same sources give the same results in the worker and on the page's thread, bit for bit
    expect(r.single).toEqual(r.referenceSingle);
    expect(r.list).toEqual(r.reference);
    expect(r.list.map((x) => x.file)).toEqual(["photo.jpg", "image 1", "image 2", "image 3"]);
    expect(r.list[1].predictions!.map((p) => p.label)).toEqual(r.single.predictions!.slice(0, 3).map((p) => p.label));
    expect(r.list[3].error).toMatch(/^image 3: /); // not an image: its own error, the others go on
    // a URL relative to the page (the photo the File holds): fetched in the worker, or by the page's pipeline
    expect(r.urls.worker).toEqual({ ...r.single, file: photo(r.info.crossOriginIsolated ? "isolated" : "plain") });
    expect(r.urls.page).toEqual({ ...r.single, file: "test/fixtures/images/photos/darknet/dog.jpg" });
    expect(r.urls.missing.error).toMatch(/\/test\/fixtures\/no-such-image\.jpg: HTTP 404/);
    expect(r.urls.unsendable).toMatch(/^convnext worker: cannot send this to the worker \(.*could not be cloned.*\); pass a File/); // prettier-ignore
    expect(r.inspection).toEqual({
      file: "photo.jpg",
      predictions: r.single.predictions,
      input: [224, 224, 224 * 224 * 3],
      featureMaps: [
        [0, 8, 56, 56, 4],
        [1, 8, 56, 56, 4],
        [2, 16, 28, 28, 4],
        [3, 32, 14, 14, 4],
        [4, 64, 7, 7, 4],
      ],
    });
    expect(r.embedding).toEqual({ length: 64, type: "Float32Array", same: true });
    expect([...new Set(r.progress)].sort()).toEqual(
      ["config.json", "model.safetensors", "preprocessor_config.json"].map((f) => `${photo("x").split("/x/")[0]}/${r.info.crossOriginIsolated ? "isolated" : "plain"}/examples/model/${f}`), // prettier-ignore
    );
  }

  it("an ordinary page: the worker runs the model on one thread, results equal the page's own", async () => {
    const r = await inPage<Compared>("plain", `m.compare(${args("plain")})`);
    expect(r.info).toMatchObject({ backend: "wasm", threads: 1, crossOriginIsolated: false });
    expectSameAsInThread(r);
    expect(r.detached).toEqual({ buffer: 0, pixels: 0, kept: 0, copied: expect.any(Number) });
    expect(r.detached.copied).toBeGreaterThan(0);
    expect(r.afterDispose).toBe("convnext worker: disposed");
  });

  it("a cross-origin isolated page: the worker's kernels on two threads; the main thread stays free", async () => {
    const r = await inPage<Compared>("isolated", `m.compare(${args("isolated", { threads: 2 })})`);
    expect(r.info).toMatchObject({ backend: "wasm", kernels: "wasm-relaxed", threads: 2, crossOriginIsolated: true });
    expectSameAsInThread(r);
    // four large photos decoded, resized and classified: on the page's thread that makes long tasks (over
    // 50 ms, the Long Tasks API's threshold); with the worker, the page's longest is a small part of that
    expect(r.longestTask.onPage).toBeGreaterThan(50);
    expect(r.longestTask.inWorker).toBeLessThan(r.longestTask.onPage / 4);
  });

  it("a worker script that cannot load, and a model that does not exist, are clear errors", async () => {
    const r = await inPage<{ badScript: string; badModel: string }>("plain", "m.failures()");
    expect(r.badScript).toMatch(/^convnext worker: the worker script failed to load or to start/);
    expect(r.badModel).toBe(`${server.origin}/plain/no-such-model/config.json: not found`);
  });
});
