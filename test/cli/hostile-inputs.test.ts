// The command line on hostile inputs (issue 16): exit code 1, one line on stderr naming the file and the problem,
// no stack trace, nothing written, in seconds, whatever the file asks for. Runs the built CLI in a child process.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { fixture } from "../helpers/helpers.js";

const CLI = new URL("../../dist/cli/main.js", import.meta.url).pathname;
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), "convnext-hostile-cli-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stderr: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile("node", [CLI, ...args], { timeout: 20_000 }, (error, _stdout, stderr) => {
      resolve({
        code: error ? ((error as { code?: number }).code ?? -1) : 0,
        stderr,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

function expectClearFailure(r: { code: number; stderr: string; seconds: number }, command: string, problem: RegExp) {
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^convnext ${command}: error: .*${problem.source}`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.seconds).toBeLessThan(20);
}

describe("hostile inputs on the command line", () => {
  test("info: a config.json asking for 10^9 labels", async () => {
    const model = join(dir, "model");
    mkdirSync(model);
    const config = JSON.parse(readFileSync(fixture("tiny-classifier", "config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    delete config.id2label;
    delete config.label2id;
    writeFileSync(join(model, "config.json"), JSON.stringify({ ...config, num_labels: 1e9 }));
    copyFileSync(fixture("tiny-classifier", "model.safetensors"), join(model, "model.safetensors"));
    expectClearFailure(await run(["info", "--model", model]), "info", /config\.json: invalid config: "num_labels"/);
  });

  test("convert: a tf_model.h5 decompression bomb; no output directory is left", async () => {
    const model = join(dir, "model");
    mkdirSync(model);
    copyFileSync(fixture("tiny-classifier", "config.json"), join(model, "config.json"));
    copyFileSync(fixture("hostile", "h5", "bomb.h5"), join(model, "tf_model.h5"));
    const out = join(dir, "out");
    expectClearFailure(
      await run(["convert", "--model", model, "--output", out]),
      "convert",
      /tf_model\.h5: .*more than 100 times/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
