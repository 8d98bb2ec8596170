// The fetch-based hub loader (browsers, workers, Deno, Bun) against the local fake hub, in Node: fetch is
// Node's, and the Cache API is a small in-memory stand-in (test/helpers/memory-caches.ts). What Chromium's own
// Cache API does across a reload, offline and at its quota is checked in test/browser/hub.test.ts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  clearHubCache,
  configureHub,
  ConvNextForImageClassification,
  ConvNextImageProcessor,
  getBackend,
  hubFiles,
  ImageClassifier,
  resolveModelFiles,
  type DownloadProgress,
} from "../../src/core.js";
import { FakeHub, sha256 } from "../helpers/fake-hub.js";
import { fixture, readTensors, toleranceRatio } from "../helpers/helpers.js";
import { MemoryCaches } from "../helpers/memory-caches.js";
import { COMMIT, CONFIG, tinyRepo, WEIGHTS } from "../helpers/tiny-repo.js";

const NEXT_COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

let hub: FakeHub;
let caches: MemoryCaches;
const quiet = { onWarning: () => {} };

beforeEach(async () => {
  hub = await new FakeHub({ "org/tiny": tinyRepo(), "org/private": tinyRepo({ token: "secret-token" }) }).start();
  caches = new MemoryCaches();
  (globalThis as { caches?: unknown }).caches = caches;
  configureHub({ endpoint: hub.hubUrl });
});

afterEach(async () => {
  configureHub({ endpoint: undefined, offline: undefined, token: undefined });
  delete (globalThis as { caches?: unknown }).caches;
  await hub.stop();
});

async function expectLogits(model: ConvNextForImageClassification) {
  const expected = readTensors(fixture("tiny-classifier", "expected.safetensors"));
  const out = model.forward(expected.get("pixel_values")!);
  expect(toleranceRatio(out.logits.data, expected.get("logits")!.data)).toBeLessThanOrEqual(1);
}

// (toEqual on large typed arrays is slow)
const sameBytes = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(Buffer.from(b));
const requests = () => hub.log.map((r) => `${r.server} ${r.method} ${r.url}`);

describe("hub ids over fetch, cached by commit", () => {
  it("resolves the revision with one API call, fetches only the files it needs, from that commit", async () => {
    const progress: DownloadProgress[] = [];
    const model = await ConvNextForImageClassification.fromPretrained("org/tiny", {
      ...quiet,
      onProgress: (p) => progress.push(p),
    });
    await expectLogits(model);
    expect(requests()).toEqual([
      "hub GET /api/models/org/tiny/revision/main?blobs=true",
      `hub GET /org/tiny/resolve/${COMMIT}/config.json`,
      `hub GET /org/tiny/resolve/${COMMIT}/model.safetensors`,
      `cdn GET /blobs/${sha256(WEIGHTS)}?signature=abc`,
    ]);
    expect(progress.filter((p) => p.file === "org/tiny/model.safetensors").at(-1)).toEqual({
      file: "org/tiny/model.safetensors",
      loaded: WEIGHTS.length,
      total: WEIGHTS.length,
    });
    // in the cache: the listing under the branch and the commit, the files under their commit's URL
    expect(caches.keys("convnext-hub").sort()).toEqual(
      [
        `${hub.hubUrl}/api/models/org/tiny/revision/main?blobs=true`,
        `${hub.hubUrl}/api/models/org/tiny/revision/${COMMIT}?blobs=true`,
        `${hub.hubUrl}/org/tiny/resolve/${COMMIT}/config.json`,
        `${hub.hubUrl}/org/tiny/resolve/${COMMIT}/model.safetensors`,
      ].sort(),
    );
  });

  it("a second load asks only which commit main is at; the files come from the cache", async () => {
    await ImageClassifier.fromPretrained("org/tiny", quiet);
    hub.log.length = 0;
    const progress: DownloadProgress[] = [];
    const classifier = await ImageClassifier.fromPretrained("org/tiny", {
      ...quiet,
      onProgress: (p) => progress.push(p),
    });
    await expectLogits(classifier.model);
    expect(requests()).toEqual(["hub GET /api/models/org/tiny/revision/main?blobs=true"]);
    expect(progress.map((p) => [p.file, p.cached])).toEqual([
      ["org/tiny/config.json", true],
      ["org/tiny/model.safetensors", true],
      ["org/tiny/preprocessor_config.json", true],
    ]);
  });

  it("a commit hash needs no request once cached; a moved branch gets the new commit's files", async () => {
    await ConvNextForImageClassification.fromPretrained("org/tiny", quiet);
    hub.log.length = 0;
    await ConvNextForImageClassification.fromPretrained(`org/tiny@${COMMIT}`, quiet);
    expect(requests()).toEqual([]);

    // main moves to a commit with other weights: they are downloaded, the old commit stays cached
    const other = new Uint8Array(WEIGHTS);
    other[other.length - 1] ^= 1;
    hub.repos["org/tiny"] = tinyRepo({ commit: NEXT_COMMIT, refs: { main: NEXT_COMMIT } });
    hub.repos["org/tiny"].files["model.safetensors"] = { bytes: other, lfs: true };
    (hub as unknown as { blobs: Map<string, Uint8Array> }).blobs.set(sha256(other), other);
    const files = hubFiles("org/tiny", quiet);
    expect(sameBytes(await files.read("model.safetensors"), other)).toBe(true);
    expect(await files.commit()).toBe(NEXT_COMMIT);
    expect(sameBytes(await hubFiles(`org/tiny@${COMMIT}`, quiet).read("model.safetensors"), WEIGHTS)).toBe(true);
  });

  it("offline: from the cache with no request; a model never cached is a clear error", async () => {
    await ConvNextForImageClassification.fromPretrained("org/tiny@v1", quiet);
    hub.log.length = 0;
    const model = await ConvNextForImageClassification.fromPretrained("org/tiny@v1", { ...quiet, offline: true });
    await expectLogits(model);
    expect(hub.log).toEqual([]);
    await expect(ConvNextForImageClassification.fromPretrained("org/tiny", { offline: true })).rejects.toThrow(
      /^org\/tiny: offline is set, and this model is not in this browser's cache/,
    );
  });

  it("when the hub cannot be reached, a cached model still loads; an uncached one says both things", async () => {
    await ConvNextForImageClassification.fromPretrained("org/tiny", quiet);
    const endpoint = hub.hubUrl;
    await hub.stop();
    const model = await ConvNextForImageClassification.fromPretrained("org/tiny", { ...quiet, endpoint });
    await expectLogits(model);
    await expect(ConvNextForImageClassification.fromPretrained("org/tiny@v1", { endpoint })).rejects.toThrow(
      /^org\/tiny@v1: cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/models\/org\/tiny\/revision\/v1\?blobs=true: .*, and this model is not in this browser's cache/,
    );
    hub = await new FakeHub({}).start(); // for afterEach
  });
});

describe("a hub checkpoint in the kernels' memory", () => {
  const weightsUrl = () => `${hub.hubUrl}/org/tiny/resolve/${COMMIT}/model.safetensors`;
  const inHeap = (model: ConvNextForImageClassification) => {
    const heap = getBackend()!.heap;
    for (const [name, p] of model.namedParameters()) expect(heap.holds(p.data), name).toBe(true);
  };

  it("downloaded or cached, its parameters view the heap; from the cache it streams there, never whole in an array", async () => {
    // prettier-ignore
    const first = await ConvNextForImageClassification.fromPretrained("org/tiny", quiet);
    inHeap(first);
    await expectLogits(first);
    // the second load must not read the cached weights into an array of their own
    const cache = await caches.open("convnext-hub");
    const match = cache.match.bind(cache);
    cache.match = async (url: string) => {
      const response = await match(url);
      if (response && url === weightsUrl()) response.arrayBuffer = () => Promise.reject(new Error("read whole"));
      return response;
    };
    const second = await ConvNextForImageClassification.fromPretrained("org/tiny", quiet);
    inHeap(second);
    await expectLogits(second);
    expect(requests().filter((r) => r.includes("model.safetensors"))).toHaveLength(1); // the first load's
  });

  it("a cached checkpoint cut short or too long is downloaded again; a wrong stored length allocates nothing", async () => {
    await ConvNextForImageClassification.fromPretrained("org/tiny", quiet);
    const cached = async () => (await caches.open("convnext-hub")).entries.get(weightsUrl())!;
    type Entry = { body: Uint8Array; headers: [string, string][] };
    const cases: Array<[(e: Entry) => unknown, number]> = [
      [(e) => (e.body = e.body.subarray(0, 1000)), 1], // its stored Content-Length stays the file's
      [(e) => (e.body = new Uint8Array(e.body.length + 8)), 1],
      // the body is right, its stored length is not the listing's: read whole and copied (1 TB would fail)
      [(e) => (e.headers = e.headers.map(([k, v]) => [k, k === "content-length" ? String(2 ** 40) : v])), 0],
    ];
    for (const [change, downloads] of cases) {
      change(await cached());
      hub.log.length = 0;
      const model = await ConvNextForImageClassification.fromPretrained("org/tiny", quiet);
      inHeap(model);
      await expectLogits(model);
      expect(requests().filter((r) => r.includes("model.safetensors"))).toHaveLength(downloads);
      expect(sameBytes((await cached()).body, WEIGHTS)).toBe(true);
    }
  });
});

describe("clear errors", () => {
  it("401 for a missing or private repository, 404 for a revision, with what to do", async () => {
    await expect(ConvNextForImageClassification.fromPretrained("org/missing")).rejects.toThrow(
      /revision\/main\?blobs=true: HTTP 401: authentication required \(a private or gated repository, or a wrong id; pass \{ token \} to fromPretrained\) \(Repository not found\)$/,
    );
    await expect(ConvNextForImageClassification.fromPretrained("org/private")).rejects.toThrow(/HTTP 401/);
    await expect(ConvNextForImageClassification.fromPretrained("org/tiny@nope")).rejects.toThrow(
      /revision\/nope\?blobs=true: HTTP 404: revision not found \(Invalid rev id\)$/,
    );
  });

  it("a token reaches the hub (and is not needed for the CDN)", async () => {
    const model = await ConvNextForImageClassification.fromPretrained("org/private", {
      ...quiet,
      token: "secret-token",
    });
    await expectLogits(model);
    expect(hub.log.filter((r) => r.server === "hub").every((r) => r.authorization === "Bearer secret-token")).toBe(
      true,
    );
  });

  it("a file whose bytes do not match the hub's sha256 or size is refused and not cached", async () => {
    hub.corrupt = true;
    await expect(ConvNextForImageClassification.fromPretrained("org/tiny")).rejects.toThrow(
      /model\.safetensors: sha256 [0-9a-f]{64} does not match the hub's [0-9a-f]{64}; the file was not cached$/,
    );
    hub.corrupt = false;
    hub.sizeLie = 5;
    await expect(ConvNextForImageClassification.fromPretrained("org/tiny")).rejects.toThrow(
      /model\.safetensors: the connection ended after \d+ of \d+ bytes$/,
    );
    expect(caches.keys("convnext-hub").some((k) => k.endsWith("model.safetensors"))).toBe(false);
  });

  it("a full storage quota: the model loads, a warning says it will download again", async () => {
    caches.quotaBytes = 10_000; // the JSON files fit, the weights do not
    const warnings: string[] = [];
    const model = await ConvNextForImageClassification.fromPretrained("org/tiny", {
      onWarning: (m) => warnings.push(m),
    });
    await expectLogits(model);
    expect(warnings).toEqual([
      "org/tiny: not cached, the browser's storage quota is exceeded; the model works, but the next visit downloads it again (clearHubCache() frees what convnext stored)",
    ]);
  });

  it("not a hub: an endpoint that answers something else is named", async () => {
    await expect(hubFiles("org/tiny", { endpoint: `${hub.cdnUrl}` }).read("config.json")).rejects.toThrow(
      /HTTP 404: not found$/,
    );
  });
});

describe("references", () => {
  it("a hub id, a model directory's URL, or files at hand; a path is refused with what to pass", async () => {
    hub.cors = true;
    const processor = await ConvNextImageProcessor.fromPretrained("org/tiny");
    expect(processor.options.shortestEdge).toBeGreaterThan(0);
    const url = await resolveModelFiles(`${hub.hubUrl}/org/tiny/resolve/main/`);
    expect(await url.read("config.json")).toEqual(CONFIG);
    expect(await url.read("pytorch_model.bin")).toBeNull(); // a 404 is an absent file
    await expect(resolveModelFiles("models/tiny/../x")).rejects.toThrow(
      /^cannot resolve "models\/tiny\/\.\.\/x" here: expected a hub id like "org\/name"/,
    );
  });

  it("clearHubCache removes what the loader stored", async () => {
    await ConvNextForImageClassification.fromPretrained("org/tiny", quiet);
    expect(await clearHubCache()).toBe(true);
    expect(caches.keys("convnext-hub")).toEqual([]);
  });
});
