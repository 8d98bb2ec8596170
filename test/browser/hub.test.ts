// The browser's hub loader in Chromium: a page on one origin loads `org/tiny` through `convnext/core` from the
// local fake hub on another (CORS, as with huggingface.co; LFS files redirected to a third origin, the "CDN"),
// in a browser profile of its own. Checked: the download with progress into the Cache API, a reload and a
// browser restart served from the cache (only the revision's listing is asked for), revision pinning, offline
// (the browser's own offline mode and the `offline` option), and the errors: 401, 404, CORS, quota.
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStaticServer } from "../../tools/browser.mjs";
import { persistentProfile, skipBrowserTests } from "../helpers/chromium.js";
import { FakeHub } from "../helpers/fake-hub.js";
import { fixture, readTensors, toleranceRatio } from "../helpers/helpers.js";
import { COMMIT, tinyRepo, WEIGHTS } from "../helpers/tiny-repo.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
interface LoadResult {
  ok: boolean;
  error?: string;
  logits?: number[];
  inHeap?: boolean;
  progress: Array<{ file: string; loaded: number; total: number | null; cached?: boolean }>;
  warnings: string[];
  cacheKeys: string[];
}

describe.skipIf(skipBrowserTests)("hub loading in Chromium", () => {
  const expectedLogits = readTensors(fixture("tiny-classifier", "expected.safetensors")).get("logits")!.data;
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  let hub: FakeHub;
  let profile: Awaited<ReturnType<typeof persistentProfile>>;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await startStaticServer(ROOT, ["dist/", "test/browser/", "test/fixtures/tiny-classifier/"]);
    hub = await new FakeHub({ "org/tiny": tinyRepo(), "org/private": tinyRepo({ token: "secret-token" }) }).start();
    hub.cors = true;
    profile = await persistentProfile();
    context = await profile.open();
    page = await context.newPage();
    await page.goto(`${server.origin}/plain/`);
  });
  afterAll(async () => {
    await context?.close();
    profile?.remove();
    await hub?.stop();
    await server?.close();
  });
  beforeEach(() => {
    hub.log.length = 0;
  });

  const load = (ref: string, options: object = {}): Promise<LoadResult> =>
    page.evaluate(
      `import("${server.origin}/plain/test/browser/hub-page.mjs").then((m) => m.loadModel(${JSON.stringify(ref)}, ${JSON.stringify({ endpoint: hub.hubUrl, ...options })}))`,
    ) as Promise<LoadResult>;
  const requests = () => hub.log.filter((r) => r.method !== "OPTIONS").map((r) => `${r.server} ${r.url}`);
  const expectWorks = (result: LoadResult) => {
    expect(result.error).toBeUndefined();
    expect(toleranceRatio(result.logits!, expectedLogits)).toBeLessThanOrEqual(1);
  };

  it("first visit: the listing, then each file from the pinned commit, with progress, into the Cache API", async () => {
    const result = await load("org/tiny");
    expectWorks(result);
    expect(requests()).toEqual([
      "hub /api/models/org/tiny/revision/main?blobs=true",
      `hub /org/tiny/resolve/${COMMIT}/config.json`,
      `hub /org/tiny/resolve/${COMMIT}/model.safetensors`,
      expect.stringMatching(/^cdn \/blobs\/[0-9a-f]{64}\?signature=abc$/),
    ]);
    const weights = result.progress.filter((p) => p.file === "org/tiny/model.safetensors");
    expect(weights.at(-1)).toEqual({ file: "org/tiny/model.safetensors", loaded: WEIGHTS.length, total: WEIGHTS.length }); // prettier-ignore
    expect(result.cacheKeys.sort()).toEqual(
      [
        `${hub.hubUrl}/api/models/org/tiny/revision/${COMMIT}?blobs=true`,
        `${hub.hubUrl}/api/models/org/tiny/revision/main?blobs=true`,
        `${hub.hubUrl}/org/tiny/resolve/${COMMIT}/config.json`,
        `${hub.hubUrl}/org/tiny/resolve/${COMMIT}/model.safetensors`,
      ].sort(),
    );
  });

  it("after a reload, and after a browser restart: only the listing is asked for, the files come from the cache", async () => {
    await page.reload();
    let result = await load("org/tiny");
    expectWorks(result);
    expect(requests()).toEqual(["hub /api/models/org/tiny/revision/main?blobs=true"]);
    expect(result.progress.map((p) => [p.file, p.cached])).toEqual([
      ["org/tiny/config.json", true],
      ["org/tiny/model.safetensors", true],
    ]);

    hub.log.length = 0;
    await context.close();
    context = await profile.open();
    page = await context.newPage();
    await page.goto(`${server.origin}/plain/`);
    result = await load("org/tiny");
    expectWorks(result);
    expect(requests()).toEqual(["hub /api/models/org/tiny/revision/main?blobs=true"]);
  });

  it("a pinned commit needs no request once cached; a tag resolves to it", async () => {
    expectWorks(await load(`org/tiny@${COMMIT}`));
    expect(requests()).toEqual([]);
    expectWorks(await load("org/tiny@v1"));
    expect(requests()).toEqual(["hub /api/models/org/tiny/revision/v1?blobs=true"]);
  });

  it("offline: the browser offline, the cached model loads without a request; an uncached one says why", async () => {
    await context.setOffline(true);
    try {
      expectWorks(await load("org/tiny"));
      expectWorks(await load("org/tiny", { offline: true }));
      const missing = await load("org/tiny@other-branch");
      expect(missing.error).toBe(
        `org/tiny@other-branch: cannot reach ${hub.hubUrl}/api/models/org/tiny/revision/other-branch?blobs=true: the browser is offline, and this model is not in this browser's cache (cache name "convnext-hub")`,
      );
    } finally {
      await context.setOffline(false);
    }
    expect(requests()).toEqual([]);
    const forced = await load("org/tiny@v2", { offline: true }); // online, but offline is asked for
    expect(forced.error).toMatch(/^org\/tiny@v2: offline is set, and this model is not in this browser's cache/);
    expect(requests()).toEqual([]);
  });

  it("errors: a private repository (401, then with a token), a missing revision (404), a hub without CORS", async () => {
    const denied = await load("org/private");
    expect(denied.error).toBe(
      `${hub.hubUrl}/api/models/org/private/revision/main?blobs=true: HTTP 401: authentication required (a private or gated repository, or a wrong id; pass { token } to fromPretrained) (Access to this repo is restricted)`,
    );
    expectWorks(await load("org/private", { token: "secret-token" }));
    const missing = await load("org/tiny@nope");
    expect(missing.error).toMatch(/revision\/nope\?blobs=true: HTTP 404: revision not found \(Invalid rev id\)$/);

    hub.cors = false;
    try {
      const blocked = await load("org/tiny@refs-never-cached");
      expect(blocked.error).toBe(
        `org/tiny@refs-never-cached: cannot reach ${hub.hubUrl}/api/models/org/tiny/revision/refs-never-cached?blobs=true: Failed to fetch; offline, blocked by CORS or a Content-Security-Policy, or the server is down, and this model is not in this browser's cache (cache name "convnext-hub")`,
      );
    } finally {
      hub.cors = true;
    }
  });

  it("a cross-origin isolated page (COEP: require-corp) loads from the hub on another origin too", async () => {
    const isolated = await context.newPage();
    try {
      await isolated.goto(`${server.origin}/isolated/`);
      const load = async () =>
        (await isolated.evaluate(
          `import("${server.origin}/isolated/test/browser/hub-page.mjs").then((m) => m.loadModel("org/tiny", ${JSON.stringify({ endpoint: hub.hubUrl, cacheName: "isolated" })}))`,
        )) as LoadResult;
      const downloaded = await load();
      expectWorks(downloaded);
      expect(await isolated.evaluate("crossOriginIsolated")).toBe(true);
      // shared memory: the checkpoint is read into the kernels' memory, copied from the download, streamed
      // from the Cache API the next time
      const cached = await load();
      expectWorks(cached);
      expect([downloaded.inHeap, cached.inHeap]).toEqual([true, true]);
      expect(cached.progress.find((p) => p.file === "org/tiny/model.safetensors")?.cached).toBe(true);
    } finally {
      await isolated.close();
    }
  });

  it("the Worker API loads a hub id with the endpoint the page set with configureHub", async () => {
    const result = await page.evaluate(
      `import("${server.origin}/plain/test/browser/hub-page.mjs").then((m) => m.loadInWorker("org/tiny", ${JSON.stringify({ endpoint: hub.hubUrl })}))`,
    );
    expect(result).toMatchObject({ ok: true, info: { model: "org/tiny", numLabels: 5 } });
    expect(requests()[0]).toBe("hub /api/models/org/tiny/revision/main?blobs=true"); // from the configured hub
  });

  it("a storage quota too small for the weights: the model loads, a warning says it was not cached", async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Storage.overrideQuotaForOrigin", { origin: server.origin, quotaSize: 64 * 1024 });
    try {
      const result = await load("org/tiny", { cacheName: "small-quota" });
      expectWorks(result);
      expect(result.warnings).toEqual([
        "org/tiny: not cached, the browser's storage quota is exceeded; the model works, but the next visit downloads it again (clearHubCache() frees what convnext stored)",
      ]);
    } finally {
      await cdp.send("Storage.overrideQuotaForOrigin", { origin: server.origin });
    }
  });
});
