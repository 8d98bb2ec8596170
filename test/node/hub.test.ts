// Hub ids through the Hugging Face cache, against a local fake hub (test/helpers/fake-hub.ts) on
// 127.0.0.1 — never the real network. HF_HOME is a fresh temp dir and HF_ENDPOINT the fake hub per test.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConvNextForImageClassification, resolveModel, type DownloadProgress } from "../../src/index.js";
import { FakeHub, gitBlobSha1, sha256, useFakeHub } from "../helpers/fake-hub.js";
import { fixture, readTensors, toleranceRatio } from "../helpers/helpers.js";
import { COMMIT, CONFIG, PREPROCESSOR, tinyRepo, WEIGHTS } from "../helpers/tiny-repo.js";

const read = (p: string) => new Uint8Array(readFileSync(p));

let home: string;
let hub: FakeHub;
const savedEnv = { ...process.env };
const repoDir = (id = "org/tiny") => join(home, "hub", `models--${id.replace("/", "--")}`);

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "convnext-hub-"));
  hub = await new FakeHub({ "org/tiny": tinyRepo(), "org/private": tinyRepo({ token: "secret-token" }) }).start();
  useFakeHub(home, hub);
});

afterEach(async () => {
  await hub.stop();
  process.env = { ...savedEnv };
  rmSync(home, { recursive: true, force: true });
});

/** Every snapshot entry is a relative symlink to a complete blob; no partial file anywhere (unless allowed). */
function expectConsistentCache(dir: string, { allowIncomplete = false } = {}) {
  if (!existsSync(dir)) return;
  const blobs = existsSync(join(dir, "blobs")) ? readdirSync(join(dir, "blobs")) : [];
  for (const b of blobs) {
    if (b.endsWith(".incomplete")) {
      expect(allowIncomplete, `partial file ${b}`).toBe(true);
      continue;
    }
    const bytes = read(join(dir, "blobs", b));
    expect([sha256(bytes), gitBlobSha1(bytes)], `blob ${b} holds exactly the bytes its ETag names`).toContain(b);
  }
  const snapshots = join(dir, "snapshots");
  for (const commit of existsSync(snapshots) ? readdirSync(snapshots) : []) {
    for (const f of readdirSync(join(snapshots, commit), { recursive: true }) as string[]) {
      const p = join(snapshots, commit, f);
      if (lstatSync(p).isDirectory()) continue;
      expect(lstatSync(p).isSymbolicLink(), `${f} is a symlink`).toBe(true);
      expect(readlinkSync(p).startsWith("../../blobs/"), `${f} links relatively into blobs/`).toBe(true);
      expect(statSync(p).isFile(), `${f} resolves`).toBe(true);
    }
  }
}

async function logitsMatch(model: ConvNextForImageClassification) {
  const expected = readTensors(fixture("tiny-classifier", "expected.safetensors"));
  const out = model.forward(expected.get("pixel_values")!);
  expect(toleranceRatio(out.logits.data, expected.get("logits")!.data)).toBeLessThanOrEqual(1);
}

describe("download into the HF cache, then offline", () => {
  test("first call downloads with progress into the huggingface_hub layout", async () => {
    const progress: DownloadProgress[] = [];
    const files = await resolveModel("org/tiny", { onProgress: (p) => progress.push(p) });
    const model = await ConvNextForImageClassification.fromPretrained(files, { onWarning: () => {} });
    await logitsMatch(model);

    const dir = repoDir();
    const sha = sha256(WEIGHTS);
    expect(readFileSync(join(dir, "refs", "main"), "utf8")).toBe(COMMIT);
    expect(readlinkSync(join(dir, "snapshots", COMMIT, "model.safetensors"))).toBe(`../../blobs/${sha}`);
    expect(readlinkSync(join(dir, "snapshots", COMMIT, "config.json"))).toBe(`../../blobs/${gitBlobSha1(CONFIG)}`);
    expect(read(join(dir, "blobs", sha))).toEqual(WEIGHTS);
    expectConsistentCache(dir);
    const weightProgress = progress.filter((p) => p.file === "org/tiny/model.safetensors");
    expect(weightProgress.at(-1)).toEqual({
      file: "org/tiny/model.safetensors",
      loaded: WEIGHTS.length,
      total: WEIGHTS.length,
    });
    expect(weightProgress.length).toBeGreaterThan(1);
    // LFS bytes came from the CDN origin; the metadata from the hub
    expect(hub.log.filter((r) => r.server === "cdn" && r.method === "GET").length).toBe(1);
    expect(files.describe("model.safetensors")).toBe(join(dir, "snapshots", COMMIT, "model.safetensors"));
  });

  test("a second call with HF_HUB_OFFLINE=1 works without the server", async () => {
    await ConvNextForImageClassification.fromPretrained("org/tiny", { onWarning: () => {} });
    await hub.stop();
    const before = hub.log.length;
    process.env.HF_HUB_OFFLINE = "1";
    const model = await ConvNextForImageClassification.fromPretrained("org/tiny", { onWarning: () => {} });
    await logitsMatch(model);
    expect(hub.log.length).toBe(before);
  });

  test("offline with an empty cache says so", async () => {
    process.env.HF_HUB_OFFLINE = "1";
    await expect(resolveModel("org/tiny")).rejects.toThrow(
      /org\/tiny: not in the Hugging Face cache .* offline mode is on/,
    );
    expect(hub.log.length).toBe(0);
  });

  test("a hub that cannot be reached falls back to the cache, like huggingface_hub", async () => {
    await ConvNextForImageClassification.fromPretrained("org/tiny", { onWarning: () => {} });
    await hub.stop();
    const model = await ConvNextForImageClassification.fromPretrained("org/tiny", { onWarning: () => {} });
    await logitsMatch(model);
  });

  test("revisions: @v1 and @<commit> resolve to the same snapshot; refs/v1 is written", async () => {
    const files = await resolveModel("org/tiny@v1");
    expect(files.revision).toBe("v1");
    expect(await files.read("config.json")).toEqual(CONFIG);
    expect(readFileSync(join(repoDir(), "refs", "v1"), "utf8")).toBe(COMMIT);
    process.env.HF_HUB_OFFLINE = "1";
    const pinned = await resolveModel(`org/tiny@${COMMIT}`);
    expect(await pinned.read("config.json")).toEqual(CONFIG);
  });

  test("a renamed repository (relative redirect) is followed", async () => {
    const files = await resolveModel("old-org/tiny");
    expect(await files.read("config.json")).toEqual(CONFIG);
    expect(existsSync(join(repoDir("old-org/tiny"), "snapshots", COMMIT, "config.json"))).toBe(true);
  });
});

describe("a cache made by Python's huggingface_hub", () => {
  test("blobs + relative snapshot symlinks + refs/main are read without network", async () => {
    // The tree `huggingface_hub.snapshot_download("facebook/convnext-x")` leaves (described, then built here).
    const layout = {
      repo: "models--facebook--convnext-x",
      commit: "fedcba9876543210fedcba9876543210fedcba98",
      files: { "config.json": CONFIG, "model.safetensors": WEIGHTS, "preprocessor_config.json": PREPROCESSOR },
    };
    const root = join(home, "hub", layout.repo);
    mkdirSync(join(root, "blobs"), { recursive: true });
    mkdirSync(join(root, "refs"), { recursive: true });
    mkdirSync(join(root, "snapshots", layout.commit), { recursive: true });
    mkdirSync(join(root, ".no_exist", layout.commit), { recursive: true });
    writeFileSync(join(root, ".no_exist", layout.commit, "model.safetensors.index.json"), "");
    writeFileSync(join(root, "refs", "main"), layout.commit); // no trailing newline, as Python writes it
    for (const [name, bytes] of Object.entries(layout.files)) {
      const etag = name === "model.safetensors" ? sha256(bytes) : gitBlobSha1(bytes);
      writeFileSync(join(root, "blobs", etag), bytes);
      const link = join(root, "snapshots", layout.commit, name);
      symlinkSync(relative(join(root, "snapshots", layout.commit), join(root, "blobs", etag)), link);
    }
    process.env.HF_HUB_OFFLINE = "1";
    const model = await ConvNextForImageClassification.fromPretrained("facebook/convnext-x", { onWarning: () => {} });
    await logitsMatch(model);
    expect(hub.log.length).toBe(0);
  });
});

describe("interrupted downloads", () => {
  test("a connection cut mid-file is resumed with a Range request in the same call", async () => {
    const sha = sha256(WEIGHTS);
    hub.cuts.set(`/blobs/${sha}`, { times: 2, afterBytes: 50_000 });
    const files = await resolveModel("org/tiny", { retryDelayMs: 1 });
    expect(await files.read("model.safetensors")).toEqual(WEIGHTS);
    const gets = hub.log.filter((r) => r.server === "cdn" && r.method === "GET");
    expect(gets.map((r) => r.range)).toEqual([undefined, "bytes=50000-", "bytes=100000-"]);
    expectConsistentCache(repoDir());
  });

  test("a failed download keeps only <blob>.incomplete, and the next call resumes from it", async () => {
    const sha = sha256(WEIGHTS);
    hub.cuts.set(`/blobs/${sha}`, { times: 1, afterBytes: 120_000 });
    const files = await resolveModel("org/tiny", { retries: 0 });
    await expect(files.read("model.safetensors")).rejects.toThrow(
      /connection lost.*120000 of 296\d+ bytes are kept in .*\.incomplete and the next run resumes/s,
    );
    const dir = repoDir();
    expect(existsSync(join(dir, "blobs", sha))).toBe(false);
    expect(existsSync(join(dir, "snapshots", COMMIT, "model.safetensors"))).toBe(false);
    expect(statSync(join(dir, "blobs", `${sha}.incomplete`)).size).toBe(120_000);
    expectConsistentCache(dir, { allowIncomplete: true });

    const again = await resolveModel("org/tiny", { retries: 0 });
    expect(await again.read("model.safetensors")).toEqual(WEIGHTS);
    expect(hub.log.filter((r) => r.server === "cdn" && r.method === "GET").at(-1)!.range).toBe("bytes=120000-");
    expectConsistentCache(dir);
  });
});

describe("failures are clear and leave the cache consistent", () => {
  test("a file the repo lacks is absent (null), remembered in .no_exist", async () => {
    const files = await resolveModel("org/tiny");
    expect(await files.read("pytorch_model.bin")).toBeNull();
    expect(existsSync(join(repoDir(), ".no_exist", COMMIT, "pytorch_model.bin"))).toBe(true);
    expectConsistentCache(repoDir());
  });

  test("401 without a token, 403 with a wrong one, success with HF_TOKEN; the token never reaches the CDN", async () => {
    await expect((await resolveModel("org/private")).read("config.json")).rejects.toThrow(
      /HTTP 401: authentication required .*set HF_TOKEN/,
    );
    await expect((await resolveModel("org/private", { token: "wrong" })).read("config.json")).rejects.toThrow(
      /HTTP 403: access denied/,
    );
    expectConsistentCache(repoDir("org/private"));
    process.env.HF_TOKEN = "secret-token";
    const files = await resolveModel("org/private");
    expect(await files.read("model.safetensors")).toEqual(WEIGHTS);
    const hubRequests = hub.log.filter((r) => r.server === "hub" && r.url.startsWith("/org/private"));
    expect(hubRequests.at(-1)!.authorization).toBe("Bearer secret-token");
    const cdnRequests = hub.log.filter((r) => r.server === "cdn");
    expect(cdnRequests.length).toBeGreaterThan(0);
    expect(cdnRequests.every((r) => r.authorization === undefined)).toBe(true);
  });

  test("unknown repository and unknown revision", async () => {
    await expect((await resolveModel("org/nope")).read("config.json")).rejects.toThrow(
      /HTTP 401.*\(Repository not found\)/,
    );
    await expect((await resolveModel("org/tiny@nope")).read("config.json")).rejects.toThrow(
      /HTTP 404: revision not found/,
    );
    expect(existsSync(repoDir("org/nope"))).toBe(false);
  });

  test("a size that does not match X-Linked-Size: error, nothing kept", async () => {
    hub.sizeLie = 10;
    const files = await resolveModel("org/tiny", { retries: 0 });
    await expect(files.read("model.safetensors")).rejects.toThrow(/model\.safetensors/);
    const blobs = readdirSync(join(repoDir(), "blobs"));
    expect(blobs.filter((b) => b.startsWith(sha256(WEIGHTS))).filter((b) => !b.endsWith(".incomplete"))).toEqual([]);
    expect(existsSync(join(repoDir(), "snapshots", COMMIT, "model.safetensors"))).toBe(false);
  });

  test("contents that do not match the sha256 ETag: error, the file is removed", async () => {
    hub.corrupt = true;
    const files = await resolveModel("org/tiny");
    await expect(files.read("model.safetensors")).rejects.toThrow(
      /sha256 [0-9a-f]{64} does not match the expected [0-9a-f]{64}; the file was removed/,
    );
    expect(readdirSync(join(repoDir(), "blobs")).some((b) => b.startsWith(sha256(WEIGHTS)))).toBe(false);
    expectConsistentCache(repoDir());
  });

  // A full disk and a planted .incomplete symlink: test/node/hostile-hub.test.ts (EFBIG via ulimit -f).

  test("the hub gone before anything was cached: a clear error", async () => {
    await hub.stop();
    await expect((await resolveModel("org/tiny")).read("config.json")).rejects.toThrow(
      /cannot reach .*127\.0\.0\.1.*not in the cache/,
    );
  });

  test("references that are neither a directory nor a hub id", async () => {
    await expect(resolveModel("./no/such/dir")).rejects.toThrow(/neither a model directory nor a hub id/);
    await expect(resolveModel("a/b/c")).rejects.toThrow(/neither a model directory nor a hub id/);
    await expect(resolveModel("org/../x")).rejects.toThrow(/neither/);
  });
});
