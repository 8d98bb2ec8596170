// The demo page (examples/web, `npm run demo`) end to end in Chromium, on real photos: the model loads in the
// Worker API from the demo server's local hub, each photo is chosen through the file input (or dropped, or
// pasted), and the page's labels and scores must equal `convnext classify --json` in Node for the same files,
// run with the same kernel build (Chromium runs the relaxed-SIMD build; Node 20 does with
// --experimental-wasm-relaxed-simd). Then: a broken file gives an error naming it, and a reload takes the model
// from the browser's cache.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoServer } from "../../examples/web/serve.mjs";
import { launchChromium, skipBrowserTests } from "../helpers/chromium.js";
import { fixture } from "../helpers/helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MODEL = `${ROOT}examples/model`;
const PHOTOS = [
  "images/photos/coco/000000039769.png", // the COCO cats of the HF docs, PNG
  "images/photos/darknet/dog.jpg",
  "images/photos/image-rs/progressive-cat.jpg", // progressive JPEG
  "images/jpeg/exif-orientation-examples/Portrait_6.jpg", // EXIF orientation 6: rotated before resizing
  "images/photos/matplotlib/grace_hopper.jpg",
].map((p) => fixture(p));

interface Row {
  label: string;
  score: number;
}

/** `convnext classify --json` in Node on the same files, with the kernel build the page used. */
function nodeClassify(files: string[], kernels: string): Map<string, Row[]> {
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  const flags = kernels === "wasm-relaxed" && nodeMajor < 22 ? ["--experimental-wasm-relaxed-simd"] : [];
  const out = execFileSync(
    process.execPath,
    [
      ...flags,
      `${ROOT}dist/cli/main.js`,
      "classify",
      "--model",
      MODEL,
      "--json",
      "--top-k",
      "5",
      "--batch-size",
      "1",
      ...files,
    ],
    { encoding: "utf8" },
  );
  const results = JSON.parse(out) as Array<{ file: string; predictions: Row[] }>;
  return new Map(results.map((r) => [basename(r.file), r.predictions.map(({ label, score }) => ({ label, score }))]));
}

async function waitForState(page: Page, states: string[]): Promise<string> {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.querySelector<HTMLElement>('[data-testid="status"]')!.dataset.state!),
    states,
    { timeout: 60_000 },
  );
  return page.$eval('[data-testid="status"]', (el) => (el as HTMLElement).dataset.state!);
}

/** Runs `choose` (which hands the page an image) and waits until the page is done with it. */
async function classifyOn(page: Page, choose: () => Promise<void>): Promise<{ state: string; rows: Row[] }> {
  await page.$eval('[data-testid="status"]', (el) => ((el as HTMLElement).dataset.state = "waiting"));
  await choose();
  const state = await waitForState(page, ["done", "error"]);
  const rows = await page.$$eval('[data-testid="prediction"]', (items) =>
    items.map((el) => ({
      label: (el as HTMLElement).dataset.label!,
      score: Number((el as HTMLElement).dataset.score),
    })),
  );
  return { state, rows };
}

describe.skipIf(skipBrowserTests)("the demo page in Chromium", () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemoServer({ model: MODEL, port: 0 });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(demo.url);
    expect(await waitForState(page, ["ready", "error"])).toBe("ready");
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it("labels and scores of real photos equal `convnext classify --json` in Node, bit for bit", async () => {
    const info = await page.evaluate(() => (window as unknown as { convnextDemo: { info: Record<string, unknown> } }).convnextDemo.info); // prettier-ignore
    expect(info).toMatchObject({ backend: "wasm", crossOriginIsolated: true });
    const expected = nodeClassify(PHOTOS, info.kernels as string);
    for (const photo of PHOTOS) {
      const { state, rows } = await classifyOn(page, () => page.setInputFiles('[data-testid="image-input"]', photo));
      expect(state, photo).toBe("done");
      expect(rows, photo).toEqual(expected.get(basename(photo)));
      // the teaching view: the 224x224 input, and 4 channels of each of the 5 hidden states
      expect(await page.$eval("#model-input", (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([224, 224]); // prettier-ignore
      expect(await page.$$eval("#feature-maps figure", (maps) => maps.map((m) => m.querySelectorAll("canvas").length))).toEqual([4, 4, 4, 4, 4]); // prettier-ignore
      expect(await page.$$eval("#timings tr", (r) => r.map((t) => (t as HTMLElement).dataset.step))).toEqual(["decode", "preprocess", "forward", "postprocess"]); // prettier-ignore
    }
  });

  it("a dropped and a pasted image are classified like a chosen one", async () => {
    const photo = PHOTOS[1];
    const expected = nodeClassify([photo], (await page.evaluate(() => (window as unknown as { convnextDemo: { info: { kernels: string } } }).convnextDemo.info.kernels))); // prettier-ignore
    const bytes = [...readFileSync(photo)];
    for (const how of ["drop", "paste"]) {
      const { state, rows } = await classifyOn(page, () =>
        page.evaluate(
          ({ bytes, how }) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], "dropped.jpg", { type: "image/jpeg" }));
            const event =
              how === "drop"
                ? new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true })
                : new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true });
            document.body.dispatchEvent(event);
          },
          { bytes, how },
        ),
      );
      expect(state, how).toBe("done");
      expect(rows, how).toEqual(expected.get(basename(photo)));
    }
  });

  it("a file that is not an image: the status says so, naming it, and the next image works", async () => {
    const broken = fixture("images/corrupt/pillow/truncated_jpeg.jpg");
    const { state } = await classifyOn(page, () => page.setInputFiles('[data-testid="image-input"]', broken));
    expect(state).toBe("error");
    expect(await page.textContent('[data-testid="status"]')).toMatch(/^truncated_jpeg\.jpg: /);
    const { state: next } = await classifyOn(page, () => page.setInputFiles('[data-testid="image-input"]', PHOTOS[0]));
    expect(next).toBe("done");
  });

  it("after a reload the model comes from the browser's cache: only the file list is asked for", async () => {
    demo.requests.length = 0;
    await page.reload();
    expect(await waitForState(page, ["ready", "error"])).toBe("ready");
    const hubRequests = demo.requests.filter((r) => r.includes("/hub/"));
    expect(hubRequests).toEqual([`GET /hub/api/models/${demo.model}/revision/main?blobs=true`]);
    expect(await page.textContent("#download-text")).toMatch(/from the browser's cache$/);
    const { state } = await classifyOn(page, () => page.setInputFiles('[data-testid="image-input"]', PHOTOS[0]));
    expect(state).toBe("done");
  });
});

describe.skipIf(skipBrowserTests)(
  "the demo page on the library as esbuild bundles it (npm run demo -- --bundle)",
  () => {
    it("minified: the same results, and the kernels' workers still run (their script survives renaming)", async () => {
      const demo = await startDemoServer({ model: MODEL, port: 0, bundle: true });
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(demo.url);
        expect(await waitForState(page, ["ready", "error"])).toBe("ready");
        const kernels = await page.evaluate(() => (window as unknown as { convnextDemo: { info: { kernels: string } } }).convnextDemo.info.kernels); // prettier-ignore
        const { state, rows } = await classifyOn(page, () => page.setInputFiles('[data-testid="image-input"]', PHOTOS[1])); // prettier-ignore
        expect(state).toBe("done");
        expect(rows).toEqual(nodeClassify([PHOTOS[1]], kernels).get(basename(PHOTOS[1])));
        // the bundle on the page's own thread, two threads: chunks run by the kernels' Web Worker
        const chunks = await page.evaluate(`import("/dist/core.js").then(async (core) => {
        core.configureBackend({ backend: "wasm", threads: 2 });
        const classifier = await core.ImageClassifier.fromPretrained(${JSON.stringify(demo.model)}, { endpoint: location.origin + "/hub" });
        const pixels = { data: new Uint8Array(224 * 224 * 3).fill(100), width: 224, height: 224 };
        for (let i = 0; i < 100; i++) {
          await new Promise((r) => setTimeout(r, 10));
          await classifier.classify([pixels]);
          if (core.getBackend().workerChunks > 0) return core.getBackend().workerChunks;
        }
        return 0;
      })`);
        expect(chunks).toBeGreaterThan(0);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
        await demo.close();
      }
    });
  },
);
