// `convnext embed`: .npy / .safetensors / .jsonl written batch by batch hold the library's embeddings bit for
// bit; shards together equal one run; --resume continues a cut-off file; Ctrl-C keeps the finished batches.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import "../../src/node/setup.js";
import command from "../../src/cli/embed.js";
import { parseNpyHeader } from "../../src/io/npy.js";
import { parseSafetensors } from "../../src/io/safetensors.js";
import { float32Text } from "../../src/node/embedding-file.js";
import { extractFeatures } from "../../src/pipelines/feature-extraction.js";
import { runCommand } from "../helpers/cli.js";

const MODEL = "test/fixtures/tiny-classifier";
const PHOTOS = [
  "test/fixtures/images/photos/coco/000000039769.png",
  "test/fixtures/images/photos/scikit-image/chelsea.png",
  "test/fixtures/images/photos/pillow/hopper.png",
  "test/fixtures/images/photos/matplotlib/grace_hopper.jpg",
  "test/fixtures/images/photos/scikit-image/coffee.png",
];
const BAD = "test/fixtures/images/corrupt/pillow/truncated_image.png";
const tmp = mkdtempSync(join(tmpdir(), "convnext-embed-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** file -> embedding, from any of the three formats. */
function readEmbeddings(path: string): Map<string, Float32Array> {
  const bytes = new Uint8Array(readFileSync(path));
  if (path.endsWith(".jsonl")) {
    const rows = new TextDecoder()
      .decode(bytes)
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    return new Map(rows.map((r) => [r.file, Float32Array.from(r.embedding)]));
  }
  const names = readFileSync(`${path}.files.txt`, "utf8").split("\n").slice(0, -1);
  let data: Float32Array;
  let shape: number[];
  if (path.endsWith(".npy")) {
    const h = parseNpyHeader(bytes);
    expect(h.descr).toBe("<f4");
    shape = h.shape;
    data = new Float32Array(bytes.slice(h.dataOffset).buffer);
  } else {
    const t = parseSafetensors(bytes).tensors.get("embeddings")!;
    shape = t.shape;
    data = new Float32Array(t.bytes.slice().buffer);
  }
  expect(shape).toEqual([names.length, 64]);
  expect(data.length).toBe(names.length * 64);
  return new Map(names.map((n, i) => [n, data.subarray(i * 64, (i + 1) * 64)]));
}

describe("convnext embed", () => {
  const want = new Map<string, Float32Array>();
  beforeAll(async () => {
    for (const r of await extractFeatures(MODEL, PHOTOS, { batchSize: 2 })) want.set(r.file, r.embedding!);
  });

  it.each(["npy", "safetensors", "jsonl"])(
    "--output .%s holds the library's pooler_output, bit for bit",
    async (ext) => {
      const out = join(tmp, `all.${ext}`);
      const r = await runCommand(command, ["--model", MODEL, ...PHOTOS, BAD, "--output", out, "--batch-size", "2"]);
      expect(r.code).toBe(1); // BAD
      expect(r.stderr.split(BAD)).toHaveLength(2); // its error, once
      const got = readEmbeddings(out);
      expect([...got.keys()]).toEqual(PHOTOS);
      for (const [file, e] of got) expect(e).toEqual(want.get(file));
    },
  );

  it("--pooling mean --normalize: unit vectors of the mean of last_hidden_state", async () => {
    const out = join(tmp, "mean.npy");
    await runCommand(command, [
      "--model",
      MODEL,
      ...PHOTOS.slice(0, 2),
      "--output",
      out,
      "--pooling",
      "mean",
      "--normalize",
    ]);
    const lib = await extractFeatures(MODEL, PHOTOS.slice(0, 2), { pooling: "mean", normalize: true });
    const got = readEmbeddings(out);
    lib.forEach((r) => expect(got.get(r.file)).toEqual(r.embedding));
    for (const e of got.values()) expect(Math.hypot(...e)).toBeCloseTo(1, 6);
  });

  it("--shard 0/2, 1/2 and 2/3... together hold exactly one run's rows", async () => {
    const one = readEmbeddings(join(tmp, "all.npy"));
    for (const n of [2, 3]) {
      const merged = new Map<string, Float32Array>();
      for (let i = 0; i < n; i++) {
        const out = join(tmp, `shard-${i}-of-${n}.safetensors`);
        await runCommand(command, [
          "--model",
          MODEL,
          ...PHOTOS,
          "--output",
          out,
          "--shard",
          `${i}/${n}`,
          "--batch-size",
          "2",
        ]);
        const rows = readEmbeddings(out);
        expect([...rows.keys()]).toEqual(PHOTOS.filter((_, k) => k % n === i));
        for (const [f, e] of rows) merged.set(f, e);
      }
      expect(merged.size).toBe(one.size);
      for (const [f, e] of one) expect(merged.get(f)).toEqual(e);
    }
  });

  it.each(["npy", "safetensors", "jsonl"])(
    ".%s --resume after a run cut off mid-batch: the rest, once",
    async (ext) => {
      const out = join(tmp, `resume.${ext}`);
      await runCommand(command, ["--model", MODEL, ...PHOTOS.slice(0, 3), "--output", out, "--batch-size", "2"]);
      // a killed run's half-written batch: bytes past the last complete one (and a half name)
      appendFileSync(out, new Uint8Array(100).fill(7));
      if (ext !== "jsonl") appendFileSync(`${out}.files.txt`, "test/fixtures/ima");
      const r = await runCommand(command, [
        "--model",
        MODEL,
        ...PHOTOS,
        "--output",
        out,
        "--resume",
        "--batch-size",
        "2",
      ]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("holds 3 embeddings; 2 of 5 inputs to go");
      const got = readEmbeddings(out);
      expect([...got.keys()]).toEqual(PHOTOS);
      for (const [f, e] of got) expect(e).toEqual(want.get(f));
    },
  );

  it("--resume refuses a file of another dimension; without --resume the file starts over", async () => {
    const out = join(tmp, "other.npy");
    await runCommand(command, ["--model", MODEL, PHOTOS[0], "--output", out]);
    const bytes = readFileSync(out);
    bytes.write("(1, 65)", bytes.indexOf("(1, 64)"), "latin1");
    await import("node:fs").then((fs) => fs.writeFileSync(out, bytes));
    await expect(runCommand(command, ["--model", MODEL, PHOTOS[1], "--output", out, "--resume"])).rejects.toThrow(
      /cannot resume: it holds 65-value embeddings and this model gives 64/,
    );
    await runCommand(command, ["--model", MODEL, PHOTOS[1], "--output", out]);
    expect([...readEmbeddings(out).keys()]).toEqual([PHOTOS[1]]);
  });

  it("Ctrl-C: the batch under way is finished and written, then exit 130; --resume completes it", async () => {
    const out = join(tmp, "interrupted.jsonl");
    // SIGINT as the first batch's error is reported: the run stops before the second batch
    const run = runCommand(command, [
      "--model",
      MODEL,
      BAD,
      ...PHOTOS.slice(0, 3),
      "--output",
      out,
      "--batch-size",
      "2",
    ]);
    const spy = vi.mocked(console.error);
    const capture = spy.getMockImplementation()!;
    spy.mockImplementation((...a: unknown[]) => {
      if (String(a[0]).startsWith("error:")) process.emit("SIGINT", "SIGINT");
      capture(...a);
    });
    const r = await run;
    expect(r.code).toBe(130);
    expect([...readEmbeddings(out).keys()]).toEqual([PHOTOS[0]]);
    expect(r.stderr).toContain("run again with --resume");
    await runCommand(command, ["--model", MODEL, BAD, ...PHOTOS.slice(0, 3), "--output", out, "--resume"]);
    expect([...readEmbeddings(out).keys()]).toEqual(PHOTOS.slice(0, 3));
  });

  it("usage errors leave no file behind", async () => {
    const out = join(tmp, "never.npz");
    await expect(runCommand(command, ["--model", MODEL, PHOTOS[0], "--output", out])).rejects.toThrow(
      /--output must end in .npy, .safetensors or .jsonl/,
    );
    await expect(
      runCommand(command, ["--model", "test/fixtures/nope", PHOTOS[0], "--output", join(tmp, "x.npy")]),
    ).rejects.toThrow(/nope/);
    expect(existsSync(out) || existsSync(join(tmp, "x.npy"))).toBe(false);
  });
});

describe("float32Text", () => {
  it("is the shortest decimal that reads back as the same float32", () => {
    expect(float32Text(Math.fround(0.1))).toBe("0.1");
    expect(float32Text(Math.fround(1 / 3))).toBe("0.33333334");
    expect(float32Text(-0)).toBe("0");
    expect(float32Text(Math.fround(1e-40))).toBe("1e-40");
    for (const v of [Math.fround(Math.PI), Math.fround(-123456.789), 3.4028234663852886e38]) {
      expect(Math.fround(Number(float32Text(v)))).toBe(v);
    }
  });
});
