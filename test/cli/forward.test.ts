// `convnext forward` end to end (the built CLI in a child process): parity on every fixture, a full-size
// convnext-tiny-224, and bad input giving one clear error, a non-zero exit code and no output file.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serializeSafetensors } from "../../src/io/safetensors.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fixture, randomArray, readTensors } from "../helpers/helpers.js";
import { expectParity, MODEL_FIXTURES } from "../helpers/parity.js";

const CLI = new URL("../../dist/cli/main.js", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "convnext-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function convnext(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of a fixture model directory whose files can be altered. */
function copyModel(name: string, dest: string): string {
  const dir = join(tmp, dest);
  spawnSync("mkdir", ["-p", dir]);
  for (const f of readdirSync(fixture(name))) copyFileSync(fixture(name, f), join(dir, f));
  return dir;
}

function writeInput(path: string, shape: number[]): string {
  const n = shape.reduce((a, b) => a * b, 1);
  writeFileSync(path, serializeSafetensors([["pixel_values", new Tensor(randomArray(n, 3), shape)]]));
  return path;
}

describe("convnext forward: parity", () => {
  for (const name of MODEL_FIXTURES) {
    it(name, () => {
      const out = join(tmp, `${name}.safetensors`);
      const r = convnext(
        "forward",
        "--model",
        fixture(name),
        "--input",
        fixture(name, "expected.safetensors"),
        "--output",
        out,
        "--hidden-states",
      );
      expect(r.stderr).toMatch(/wrote/);
      expect(r.code).toBe(0);
      expectParity(name, readTensors(out));
    });
  }

  it("--task base on a classifier checkpoint writes last_hidden_state and pooler_output", () => {
    const out = join(tmp, "base.safetensors");
    const r = convnext(
      "forward",
      "--model",
      fixture("tiny-classifier"),
      "--input",
      fixture("tiny-classifier", "expected.safetensors"),
      "--output",
      out,
      "--task",
      "base",
    );
    expect(r.code).toBe(0);
    const got = readTensors(out);
    expect([...got.keys()].sort()).toEqual(["last_hidden_state", "pooler_output"]);
    expectParity("tiny-classifier", got, (k) => k === "pooler_output" || k === "last_hidden_state");
  });

  it("--help explains the command", () => {
    const r = convnext("forward", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pixel_values[\s\S]*--hidden-states[\s\S]*feature_maps/);
  });
});

describe("convnext forward: full-size architectures with generated weights", () => {
  const architectures: Array<[string, object, number, number[]]> = [
    [
      "convnext-tiny-224 (28.6M parameters)",
      { architectures: ["ConvNextForImageClassification"], hidden_sizes: [96, 192, 384, 768], depths: [3, 3, 9, 3] },
      28_589_128,
      [1, 768, 7, 7],
    ],
    [
      "convnextv2-atto (3.7M parameters, GRN)",
      {
        architectures: ["ConvNextV2ForImageClassification"],
        model_type: "convnextv2",
        hidden_sizes: [40, 80, 160, 320],
        depths: [2, 2, 6, 2],
      },
      3_708_400,
      [1, 320, 7, 7],
    ],
  ];
  it.each(architectures)("%s loads and produces 1000 finite logits", (name, config, params, lastShape) => {
    const dir = join(tmp, name.split(" ")[0]);
    spawnSync("mkdir", ["-p", dir]);
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, num_labels: 1000 }));
    const gen = spawnSync(
      process.execPath,
      ["tools/make_weights.mjs", "--config", join(dir, "config.json"), "--out", join(dir, "model.safetensors")],
      { encoding: "utf8" },
    );
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout + gen.stderr).toContain(`${params} params`);
    const input = writeInput(join(dir, "in.safetensors"), [1, 3, 224, 224]);
    const out = join(dir, "out.safetensors");
    const r = convnext("forward", "--model", dir, "--input", input, "--output", out, "--hidden-states");
    expect(r.code, r.stderr).toBe(0);
    const got = readTensors(out);
    expect(got.get("logits")!.shape).toEqual([1, 1000]);
    expect(got.get("hidden_states.4")!.shape).toEqual(lastShape);
    expect(got.get("logits")!.data.every(Number.isFinite)).toBe(true);
  });
});

describe("convnext forward: bad input", () => {
  const input = () => writeInput(join(tmp, "in-64.safetensors"), [1, 3, 64, 64]);

  function expectFailure(args: string[], message: RegExp, code = 1) {
    const out = join(tmp, `never-${Math.random().toString(36).slice(2)}.safetensors`);
    const r = convnext("forward", ...args, "--output", out);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes(".tmp"))).toEqual([]);
  }

  it("a truncated weights file", () => {
    const dir = copyModel("tiny-classifier", "truncated");
    const bytes = readFileSync(join(dir, "model.safetensors"));
    writeFileSync(join(dir, "model.safetensors"), bytes.subarray(0, bytes.length - 100));
    expectFailure(
      ["--model", dir, "--input", input()],
      /truncated\/model\.safetensors: invalid safetensors file: tensor ".*" data_offsets .* run past the data section/,
    );
  });

  it("a hostile weights header", () => {
    const dir = copyModel("tiny-classifier", "hostile");
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 60n, true);
    writeFileSync(join(dir, "model.safetensors"), bytes);
    expectFailure(
      ["--model", dir, "--input", input()],
      /hostile\/model\.safetensors: invalid safetensors file: header length \d+ exceeds the limit/,
    );
  });

  it("config.json with inconsistent depths / hidden_sizes / num_stages", () => {
    const dir = copyModel("tiny-classifier", "inconsistent");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    config.depths = [1, 1, 2];
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    expectFailure(
      ["--model", dir, "--input", input()],
      /inconsistent\/config\.json: invalid config: num_stages is 4 but depths has 3 entries/,
    );
  });

  it("config.json with an unknown hidden_act", () => {
    const dir = copyModel("tiny-classifier", "badact");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    config.hidden_act = "swiglu";
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    expectFailure(
      ["--model", dir, "--input", input()],
      /badact\/config\.json: invalid config: unknown hidden_act "swiglu"/,
    );
  });

  it("wrong number of input channels", () => {
    const bad = writeInput(join(tmp, "in-4ch.safetensors"), [1, 4, 64, 64]);
    expectFailure(
      ["--model", fixture("tiny-classifier"), "--input", bad],
      /in-4ch\.safetensors: pixel_values has 4 channels but the model expects num_channels = 3/,
    );
  });

  it("an input smaller than one patch", () => {
    const bad = writeInput(join(tmp, "in-tiny.safetensors"), [1, 3, 3, 3]);
    expectFailure(
      ["--model", fixture("tiny-classifier"), "--input", bad],
      /in-tiny\.safetensors: input 3x3 is smaller than one 4x4 patch/,
    );
  });

  it("an input file without pixel_values", () => {
    const bad = join(tmp, "no-pv.safetensors");
    writeFileSync(bad, serializeSafetensors([["images", Tensor.zeros([1, 3, 64, 64])]]));
    expectFailure(
      ["--model", fixture("tiny-classifier"), "--input", bad],
      /no-pv\.safetensors: no "pixel_values" tensor \(found: images\)/,
    );
  });

  it("a missing model directory and a missing option", () => {
    expectFailure(
      ["--model", join(tmp, "nope"), "--input", input()],
      /nope" is neither a model directory nor a hub id/,
    );
    expectFailure(["--input", input()], /missing required option --model/, 2);
  });
});

describe("convnext compare", () => {
  it("passes within tolerance and fails (exit 1) outside it or on a missing tensor", () => {
    const a = join(tmp, "cmp-a.safetensors");
    const b = join(tmp, "cmp-b.safetensors");
    writeFileSync(a, serializeSafetensors([["x", Tensor.from([1, 2, 100], [3])]]));
    writeFileSync(b, serializeSafetensors([["x", Tensor.from([1, 2, 100.0009], [3])]]));
    const ok = convnext("compare", a, b);
    expect(ok.stdout).toMatch(/ok {3}x \[3\] max\|diff\|=9\.\d+e-4 max\|expected\|=1\.000e\+2 tol=1\.01e-3/);
    expect(ok.code).toBe(0);
    const strict = convnext("compare", a, b, "--rtol", "0");
    expect(strict.stdout).toMatch(/FAIL x/);
    expect(strict.code).toBe(1);
    const missing = convnext("compare", a, b, "--names", "x,y");
    expect(missing.stdout).toMatch(/MISSING y/);
    expect(missing.code).toBe(1);
  });
});
