// A hostile (or merely odd) hub on 127.0.0.1 (test/helpers/fake-hub.ts): every download is bounded, the cache
// stays intact, and two processes downloading into one cache both succeed (issue 16).
import { execFile, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { resolveModel } from "../../src/index.js";
import { FakeHub, gitBlobSha1, sha256, useFakeHub, type HubRepo } from "../helpers/fake-hub.js";
import { fixture } from "../helpers/helpers.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const read = (p: string) => new Uint8Array(readFileSync(p));
const CONFIG = read(fixture("tiny-classifier", "config.json"));
const WEIGHTS = read(fixture("tiny-classifier", "model.safetensors"));
const SHA = sha256(WEIGHTS);

const repo = (): HubRepo => ({
  commit: COMMIT,
  refs: { main: COMMIT },
  files: { "config.json": { bytes: CONFIG, lfs: false }, "model.safetensors": { bytes: WEIGHTS, lfs: true } },
});

let home: string;
let hub: FakeHub;
const savedEnv = { ...process.env };
const repoDir = () => join(home, "hub", "models--org--tiny");
const blobs = () => (existsSync(join(repoDir(), "blobs")) ? readdirSync(join(repoDir(), "blobs")) : []);

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "convnext-hostile-"));
  hub = await new FakeHub({ "org/tiny": repo() }).start();
  useFakeHub(home, hub);
});

afterEach(async () => {
  await hub.stop();
  process.env = { ...savedEnv };
  rmSync(home, { recursive: true, force: true });
});

describe("bounded downloads", () => {
  test("a body longer than announced is cut at the announced size: error, nothing kept", async () => {
    hub.hostile.overflow = 50_000_000; // would fill the disk with 50 MB more
    const files = await resolveModel("org/tiny", { retries: 0 });
    await expect(files.read("model.safetensors")).rejects.toThrow(
      /^downloading org\/tiny\/model\.safetensors: the server sent more than the \d+ bytes announced; the partial file was removed/,
    );
    expect(blobs().filter((b) => b.startsWith(SHA))).toEqual([]);
  });

  test("a size larger than the free disk space is refused before a byte is written", async () => {
    hub.sizeLie = 1e15; // X-Linked-Size: a petabyte
    const files = await resolveModel("org/tiny", { retries: 0 });
    await expect(files.read("model.safetensors")).rejects.toThrow(
      /^downloading org\/tiny\/model\.safetensors: 1000000000\d+ bytes announced, only \d+ free in /,
    );
    expect(hub.log.filter((r) => r.server === "cdn")).toEqual([]);
  });

  test("Content-Encoding: gzip despite Accept-Encoding: identity is refused, not inflated", async () => {
    hub.hostile.gzipBomb = 200_000_000; // 200 MB of zeros in ~200 KB
    const files = await resolveModel("org/tiny", { retries: 0 });
    const started = Date.now();
    await expect(files.read("model.safetensors")).rejects.toThrow(
      /model\.safetensors: .*the server sent Content-Encoding: gzip though identity was asked for/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(blobs().filter((b) => b.startsWith(SHA))).toEqual([]);
  });

  test("a server sending one byte every 200 ms is dropped by the minimum speed, though never idle", async () => {
    hub.hostile.dripMs = 200; // the idle timeout (10 s) never fires
    const files = await resolveModel("org/tiny", { retries: 0, minSpeed: { bytesPerSecond: 1000, seconds: 1 } });
    const started = Date.now();
    await expect(files.read("model.safetensors")).rejects.toThrow(
      /connection lost \(.*slower than 1000 bytes\/s for 1 s.*\); \d+ of \d+ bytes are kept/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("CONVNEXT_HUB_SPEED_LIMIT / CONVNEXT_HUB_SPEED_TIME set the minimum speed", async () => {
    const { minSpeedFromEnv } = await import("../../src/node/hub.js");
    expect(minSpeedFromEnv({})).toEqual({ bytesPerSecond: 1000, seconds: 30 });
    expect(minSpeedFromEnv({ CONVNEXT_HUB_SPEED_LIMIT: "5", CONVNEXT_HUB_SPEED_TIME: "2" })).toEqual({
      bytesPerSecond: 5,
      seconds: 2,
    });
  });
});

describe("the partial file is never followed", () => {
  test("a planted blobs/<etag>.incomplete symlink is removed, its target untouched, the download complete", async () => {
    const outside = join(home, "outside.txt");
    writeFileSync(outside, "precious");
    mkdirSync(join(repoDir(), "blobs"), { recursive: true });
    symlinkSync(outside, join(repoDir(), "blobs", `${SHA}.incomplete`));
    const files = await resolveModel("org/tiny");
    expect(await files.read("model.safetensors")).toEqual(WEIGHTS);
    expect(readFileSync(outside, "utf8")).toBe("precious");
    expect(blobs()).toContain(SHA);
    expect(blobs().some((b) => b.endsWith(".incomplete"))).toBe(false);
  });

  test("a write limit (EFBIG, as a full disk): clear error, no partial file", async () => {
    // a child whose file size limit (ulimit -f) is 64 KB: Node ignores SIGXFSZ, so the write fails with EFBIG
    const script = `import { resolveModel } from ${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)};
      try { await (await resolveModel("org/tiny")).read("model.safetensors"); console.log("ok"); }
      catch (e) { console.log(e.message); }`;
    const { stdout } = await promisify(execFile)(
      "bash",
      ["-c", `ulimit -f 64; exec node --input-type=module -e '${script}'`],
      {
        env: process.env,
      },
    );
    expect(stdout).toMatch(
      /no room \(disk full, quota or file size limit\) while writing .*\.incomplete \(EFBIG\); the partial file was removed/,
    );
    expect(blobs().filter((b) => b.startsWith(SHA))).toEqual([]);
  });
});

describe("redirects on HEAD, as huggingface_hub follows them", () => {
  test("an absolute redirect to the hub's own origin (a mirror): metadata from the 3xx, bytes from the target", async () => {
    hub.hostile.absoluteRedirect = true;
    const files = await resolveModel("org/tiny");
    expect(await files.read("config.json")).toEqual(CONFIG);
    expect(await files.read("model.safetensors")).toEqual(WEIGHTS);
    const heads = hub.log.filter((r) => r.method === "HEAD");
    expect(heads.every((r) => r.url.includes("/resolve/"))).toBe(true); // HEAD never followed the absolute Location
    expect(readdirSync(join(repoDir(), "blobs")).sort()).toEqual([gitBlobSha1(CONFIG), SHA].sort());
  });

  test("a server that answers, but not like a hub, is not reported as unreachable", async () => {
    await hub.stop();
    const { createServer } = await import("node:http");
    const plain = createServer((_, res) => res.end("hello")).listen(0, "127.0.0.1");
    await new Promise((r) => plain.once("listening", r));
    const url = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
    try {
      const files = await resolveModel("org/tiny", { endpoint: url });
      const err = (await files.read("config.json").catch((e: Error) => e)) as Error;
      expect(err.message).toMatch(/HTTP 200, not a Hugging Face hub response .*check HF_ENDPOINT/);
      expect(err.message).not.toMatch(/cannot reach/);
    } finally {
      plain.close();
    }
  });
});

describe("two processes downloading into one cache", () => {
  /** A Node process that loads org/tiny through the cache and prints "ok" (or the error). */
  function loader(): Promise<string> {
    const script = `import { ConvNextForImageClassification } from ${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)};
      try { await ConvNextForImageClassification.fromPretrained("org/tiny", { onWarning() {} }); console.log("ok"); }
      catch (e) { console.log(e.message); }`;
    return new Promise((resolve) => {
      const child = spawn("node", ["--input-type=module", "-e", script], { env: process.env });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("exit", (code, signal) => resolve(out.trim() || `exit ${code} ${signal}`));
    });
  }

  test("both succeed, every time (5 rounds), and the cache holds each blob once, complete", async () => {
    hub.hostile.chunkDelayMs = 5; // ~100 ms per download, so the two overlap
    for (let round = 0; round < 5; round++) {
      rmSync(join(home, "hub"), { recursive: true, force: true });
      expect(await Promise.all([loader(), loader()])).toEqual(["ok", "ok"]);
      expect(blobs().sort()).toEqual([gitBlobSha1(CONFIG), SHA].sort());
      expect(statSync(join(repoDir(), "blobs", SHA)).size).toBe(WEIGHTS.length);
    }
    // one download per blob and round: the second process waited for the lock and found the blob
    const gets = hub.log.filter((r) => r.method === "GET" && r.server === "cdn");
    expect(gets.length).toBe(5);
  });

  test("the lock is huggingface_hub's: a flock(1) holder of .locks/models--org--tiny/<etag>.lock makes us wait", async () => {
    const lock = join(home, "hub", ".locks", "models--org--tiny", `${SHA}.lock`);
    mkdirSync(join(lock, ".."), { recursive: true });
    // what Python's filelock does: flock(LOCK_EX) on that file, held here for 1.5 s
    const holder = spawn("flock", ["--exclusive", lock, "sleep", "1.5"]);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const files = await resolveModel("org/tiny");
    expect(await files.read("model.safetensors")).toEqual(WEIGHTS);
    expect(Date.now() - started).toBeGreaterThan(1_000);
    if (holder.exitCode === null) await new Promise((r) => holder.once("exit", r));
  });
});
