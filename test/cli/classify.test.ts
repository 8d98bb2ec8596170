// `convnext classify`: the library's results, printed batch by batch as text, JSON or JSON lines; errors once;
// directories, shards, function_to_apply and the usage errors.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node/setup.js";
import command from "../../src/cli/classify.js";
import { ImageClassifier } from "../../src/pipelines/image-classification.js";
import { runCommand } from "../helpers/cli.js";

const MODEL = "test/fixtures/tiny-classifier";
const CAT = "test/fixtures/images/photos/coco/000000039769.png";
const CHELSEA = "test/fixtures/images/photos/scikit-image/chelsea.png";
const BAD = "test/fixtures/images/corrupt/pillow/truncated_image.png";
const tmp = mkdtempSync(join(tmpdir(), "convnext-classify-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("convnext classify", () => {
  it("--json prints the library's results; a failing image is in its object only; exit 1", async () => {
    const r = await runCommand(command, [
      "--model",
      MODEL,
      CAT,
      BAD,
      CHELSEA,
      "--json",
      "--top-k",
      "2",
      "--batch-size",
      "2",
    ]);
    expect(r.code).toBe(1);
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const want = await classifier.classify([CAT, BAD, CHELSEA], { topK: 2, batchSize: 2 });
    expect(r.stdout).toBe(JSON.stringify(want, null, 2) + "\n");
    expect(JSON.parse(r.stdout)[1]).toEqual({ file: BAD, error: expect.stringMatching(new RegExp(`^${BAD}: `)) });
    expect(r.stderr).not.toContain(BAD); // printed once, in the JSON
    expect(r.stderr).toContain("1 of 3 images failed");
  });

  it("text: each result block on stdout, each error once on stderr", async () => {
    const r = await runCommand(command, ["--model", MODEL, CAT, BAD, "--top-k", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${CAT}\\n  0\\.\\d{4}  \\w+\\n$`));
    expect(r.stderr.split(BAD)).toHaveLength(2);
  });

  it("--jsonl: one object per image and line, in input order", async () => {
    const r = await runCommand(command, ["--model", MODEL, CHELSEA, BAD, CAT, "--jsonl", "--batch-size", "1"]);
    const lines = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual([CHELSEA, BAD, CAT]);
    expect(lines[0].predictions).toHaveLength(5);
    expect(lines[1].error).toMatch(/truncated/);
  });

  it("--function-to-apply sigmoid gives the pipeline's sigmoid scores", async () => {
    const r = await runCommand(command, ["--model", MODEL, CAT, "--jsonl", "--function-to-apply", "sigmoid"]);
    const classifier = await ImageClassifier.fromPretrained(MODEL);
    const [logitsRow] = await classifier.classify([CAT], { functionToApply: "none" });
    const [line] = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    // the order of logits is the order of their sigmoids
    expect(line.predictions.map((p: { label: string }) => p.label)).toEqual(logitsRow.predictions!.map((p) => p.label));
    line.predictions.forEach((p: { score: number }, j: number) =>
      expect(p.score).toBeCloseTo(1 / (1 + Math.exp(-logitsRow.predictions![j].score)), 6),
    );
  });

  it("a directory: its image files, recursively, sorted, hidden files and other files skipped", async () => {
    const dir = join(tmp, "photos");
    mkdirSync(join(dir, "b", "nested"), { recursive: true });
    mkdirSync(join(dir, ".hidden"));
    copyFileSync(CAT, join(dir, "b", "nested", "cat.PNG"));
    copyFileSync(CHELSEA, join(dir, "a.png"));
    copyFileSync(CHELSEA, join(dir, ".hidden", "x.png"));
    copyFileSync(CHELSEA, join(dir, ".dot.png"));
    writeFileSync(join(dir, "notes.txt"), "not an image");
    symlinkSync(dir, join(dir, "b", "loop")); // a cycle ends where it began
    const r = await runCommand(command, ["--model", MODEL, dir, "--jsonl"]);
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).file),
    ).toEqual([join(dir, "a.png"), join(dir, "b", "nested", "cat.PNG")]);
  });

  it("--shard i/n takes every n-th input from the i-th", async () => {
    const files = [CAT, CHELSEA, BAD, CAT, CHELSEA];
    const shard = async (s: string) =>
      (await runCommand(command, ["--model", MODEL, ...files, "--jsonl", "--shard", s])).stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).file);
    expect(await shard("0/2")).toEqual([CAT, BAD, CHELSEA]);
    expect(await shard("1/2")).toEqual([CHELSEA, CAT]);
  });

  it.each([
    [["--top_k", "3"], /unknown option --top_k \(did you mean --top-k\?\)/],
    [["--function-to-apply", "max"], /--function-to-apply: must be sigmoid, softmax or none, got "max"/],
    [["--shard", "2/2"], /--shard must be I\/N with 0 <= I < N/],
    [["--top-k", "0"], /--top-k must be a positive integer/],
    [["--threads", "two"], /--threads must be a positive integer/],
    [["--backend", "gpu"], /--backend must be one of auto, wasm, js, reference/],
    [["--json", "--jsonl"], /cannot be combined/],
  ])("usage error %j", async (extra, message) => {
    await expect(runCommand(command, ["--model", MODEL, CAT, ...extra])).rejects.toThrow(message);
  });

  it("a missing file says so in words, and an empty directory is an error", async () => {
    const r = await runCommand(command, ["--model", MODEL, join(tmp, "nope.png"), "--jsonl"]);
    expect(JSON.parse(r.stdout).error).toBe(`${join(tmp, "nope.png")}: no such file`);
    mkdirSync(join(tmp, "empty"));
    await expect(runCommand(command, ["--model", MODEL, join(tmp, "empty")])).rejects.toThrow(
      /empty: no image files in this directory/,
    );
  });
});
