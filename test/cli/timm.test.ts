// The CLI on timm checkpoints (commands run in-process): forward writes timm's outputs (and features_only maps
// with --out-indices) matching the real timm, preprocess gives timm's pixel_values, classify labels with
// label_names, info describes the options, convert writes HF where HF can express the model and refuses
// otherwise, and a hub id holding a timm repo works like a directory.
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import "../../src/node/setup.js";
import classifyCommand from "../../src/cli/classify.js";
import convert from "../../src/cli/convert.js";
import forward from "../../src/cli/forward.js";
import info from "../../src/cli/info.js";
import preprocess from "../../src/cli/preprocess.js";
import { classify, ImageClassifier } from "../../src/index.js";
import { ConvNextForImageClassification, loadImage, softmax } from "../../src/index.js";
import { fixture, readTensors } from "../helpers/helpers.js";
import { expectParity, timmOutIndices, TIMM_FIXTURES } from "../helpers/parity.js";
import { FakeHub } from "../helpers/fake-hub.js";

const tmp = mkdtempSync(join(tmpdir(), "convnext-timm-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs a command with console output captured. */
async function run(command: { run: (argv: string[]) => Promise<number> }, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((m: string) => void out.push(m));
  vi.spyOn(console, "error").mockImplementation((m: string) => void err.push(m));
  // the pipeline commands print results as they come, with process.stdout.write
  vi.spyOn(process.stdout, "write").mockImplementation((m: string | Uint8Array) => out.push(String(m)) > 0);
  try {
    return { code: await command.run(argv), stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    vi.restoreAllMocks();
  }
}

describe("convnext forward on timm checkpoints", () => {
  it.each(TIMM_FIXTURES)(
    "%s: logits, features, pre_logits (and --out-indices feature maps) match timm",
    async (name) => {
      const out = join(tmp, `${name}.safetensors`);
      const input = fixture(name, "expected.safetensors");
      const r = await run(forward, "--model", fixture(name), "--input", input, "--output", out);
      expect(r.code).toBe(0);
      const written = readTensors(out);
      expect([...written.keys()].sort()).toEqual(["features", "logits", "pre_logits"]);
      const outIndices = timmOutIndices(name);
      if (outIndices) {
        const maps = join(tmp, `${name}-maps.safetensors`);
        const m = await run(forward, "--model", fixture(name), "--input", input, "--output", maps, `--out-indices=${outIndices.join(",")}`); // prettier-ignore
        expect(m.code).toBe(0);
        for (const [k, v] of readTensors(maps)) written.set(k, v);
      }
      expectParity(name, written);
    },
  );

  it("on an HF checkpoint --out-indices are the backbone's (0 = the stem), with its norms", async () => {
    const name = "backbone-stem-s2-s4"; // made with out_features [stem, stage2, stage4]
    const out = join(tmp, "hf-maps.safetensors");
    const r = await run(forward, "--model", fixture(name), "--input", fixture(name, "expected.safetensors"), "--output", out, "--out-indices", "0,2,4"); // prettier-ignore
    expect(r.code).toBe(0);
    expectParity(name, readTensors(out), (k) => k.startsWith("feature_maps."));
  });

  it("--out-indices must be integers and cannot be combined with another task", async () => {
    const args = ["--model", fixture("timm-convnext-features"), "--input", "x", "--output", join(tmp, "never")];
    await expect(forward.run([...args, "--out-indices", "0,a"])).rejects.toThrow(/--out-indices must be comma-separated integers/); // prettier-ignore
    await expect(forward.run([...args, "--out-indices", "0", "--task", "base"])).rejects.toThrow(/cannot be combined with --task base/); // prettier-ignore
    expect(existsSync(join(tmp, "never"))).toBe(false);
  });
});

describe("convnext preprocess / classify on timm checkpoints", () => {
  const model = fixture("timm-convnext-tiny-custom");
  const images = ["photos/matplotlib/grace_hopper.jpg", "photos/scikit-image/chelsea.png"];
  const expected = readTensors(fixture("timm-convnext-tiny-custom", "preprocess_expected.safetensors"));

  it("preprocess writes timm's pixel_values", async () => {
    const out = join(tmp, "pv.safetensors");
    const r = await run(preprocess, "--model", model, ...images.map((p) => fixture("images", p)), "--output", out);
    expect(r.code).toBe(0);
    const pv = readTensors(out).get("pixel_values")!;
    expect(pv.shape).toEqual([2, 3, 64, 64]);
    images.forEach((p, b) => {
      const e = expected.get(p)!.data;
      const got = pv.data.subarray(b * e.length, (b + 1) * e.length);
      expect(got.every((v, i) => Math.abs(v - e[i]) <= 1e-6)).toBe(true);
    });
  });

  it("classify ranks label_names by the softmax of the logits of timm's pixel_values", async () => {
    const net = await ConvNextForImageClassification.fromPretrained(model);
    const results = await classify(
      model,
      images.map((p) => fixture("images", p)),
      { topK: 3 },
    );
    images.forEach((p, b) => {
      const e = expected.get(p)!;
      const logits = net.forward(e.reshape([1, ...e.shape])).logits;
      const probs = new Float32Array(logits.size);
      softmax(probs, logits.data, 1, logits.size);
      const order = [...probs.keys()].sort((i, j) => probs[j] - probs[i]).slice(0, 3);
      expect(results[b].predictions!.map((q) => q.index)).toEqual(order);
      expect(results[b].predictions![0].label).toBe(net.config.id2label[order[0]]);
      expect(results[b].predictions![0].score).toBeCloseTo(probs[order[0]], 6);
    });
    const classifier = await ImageClassifier.fromPretrained(model);
    expect(classifier.model.config.id2label[3]).toBe("ray");
    const cli = await run(classifyCommand, "--model", model, fixture("images", images[0]), "--top-k", "2");
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(results[0].predictions![0].label);
  });

  it("timm's loaders do not apply EXIF orientation (HF's load_image does)", async () => {
    const rotated = fixture("images", "jpeg/exif-orientation-examples/Landscape_6.jpg");
    const timm = await ImageClassifier.fromPretrained(model);
    const scores = async (exifTranspose: boolean) => {
      const { logits } = timm.model.forward(timm.processor.preprocess(await loadImage(rotated, { exifTranspose })).pixelValues); // prettier-ignore
      const probs = new Float32Array(logits.size);
      softmax(probs, logits.data, 1, logits.size);
      return probs;
    };
    const [asTimm, transposed] = [await scores(false), await scores(true)];
    const [result] = await timm.classify([rotated], { topK: 10 });
    for (const p of result.predictions!) {
      expect(p.score).toBeCloseTo(asTimm[p.index], 6);
    }
    expect(result.predictions!.some((p) => Math.abs(p.score - transposed[p.index]) > 1e-4)).toBe(true);
  });
});

describe("convnext info / convert on timm checkpoints", () => {
  it("info names the timm options and whether HF can express them", async () => {
    const yes = await run(info, "--model", fixture("timm-convnext-convmlp"));
    expect(yes.stdout).toMatch(/timm:\s+convnext_tiny: stem patch, .*conv_mlp/);
    expect(yes.stdout).toMatch(/as HF:\s+yes/);
    const no = await run(info, "--model", fixture("timm-mlp-head-k5-nobias"));
    expect(no.stdout).toMatch(/as HF:\s+no \(patch_size 2 .*; kernel_sizes \[7, 5, 3, 3\].*; conv_bias=False.*; head_hidden_size 20/); // prettier-ignore
  });

  it.each(["timm-convnext-tiny-custom", "timm-convnext-convmlp", "timm-convnextv2-grn"])(
    "convert %s -> an HF checkpoint with the same outputs (HF names)",
    async (name) => {
      const dir = join(tmp, `hf-${name}`);
      const r = await run(convert, "--model", fixture(name), "--output", dir);
      expect(r.code).toBe(0);
      const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      expect(config.model_type).toBe(name.includes("v2") ? "convnextv2" : "convnext");
      expect(config.layer_norm_eps).toBe(1e-6);
      const keys = [...readTensors(join(dir, "model.safetensors")).keys()];
      expect(keys.every((k) => /^(convnextv?2?\.|classifier\.)/.test(k))).toBe(true);
      const out = join(tmp, `hf-${name}.safetensors`);
      expect((await run(forward, "--model", dir, "--input", fixture(name, "expected.safetensors"), "--output", out)).code).toBe(0); // prettier-ignore
      const hf = readTensors(out);
      // HF's names for timm's outputs: last_hidden_state = forward_features, pooler_output = pre_logits
      const renamed = new Map([["logits", hf.get("logits")!], ["features", hf.get("last_hidden_state")!], ["pre_logits", hf.get("pooler_output")!]]); // prettier-ignore
      expectParity(name, renamed);
      expect(existsSync(join(dir, "preprocessor_config.json"))).toBe(true);
    },
  );

  it("convert refuses a model HF cannot express, naming every option, and writes nothing", async () => {
    const dir = join(tmp, "hf-refused");
    await expect(convert.run(["--model", fixture("timm-overlap-hnf"), "--output", dir])).rejects.toThrow(
      /timm convnext_atto_ols cannot be written as a transformers checkpoint: stem_type "overlap_tiered".*; head_norm_first/,
    );
    await expect(convert.run(["--model", fixture("timm-zepto-rms-ols"), "--output", dir])).rejects.toThrow(/norm_layer simplenorm/); // prettier-ignore
    await expect(convert.run(["--model", fixture("timm-v2-ls-rms-silu"), "--output", dir])).rejects.toThrow(/GRN with layer scale/); // prettier-ignore
    expect(existsSync(dir)).toBe(false);
  });
});

describe("a timm repo through a hub id", () => {
  it("resolves, downloads config.json + model.safetensors (no preprocessor_config.json) and runs", async () => {
    const read = (f: string) => new Uint8Array(readFileSync(fixture("timm-convnext-tiny-custom", f)));
    const commit = "a".repeat(40);
    const hub = await new FakeHub({
      "timm/convnext_tiny.synthetic": {
        commit,
        refs: { main: commit },
        files: {
          "config.json": { bytes: read("config.json"), lfs: false },
          "model.safetensors": { bytes: read("model.safetensors"), lfs: true },
        },
      },
    }).start();
    const saved = { ...process.env };
    const home = mkdtempSync(join(tmpdir(), "convnext-timm-hub-"));
    Object.assign(process.env, { HF_HOME: home, HF_ENDPOINT: hub.hubUrl, HF_HUB_DISABLE_PROGRESS_BARS: "1" });
    delete process.env.HF_HUB_OFFLINE;
    delete process.env.HF_HUB_CACHE;
    try {
      const out = join(tmp, "hub.safetensors");
      const input = fixture("timm-convnext-tiny-custom", "expected.safetensors");
      const r = await run(forward, "--model", "timm/convnext_tiny.synthetic", "--input", input, "--output", out);
      expect(r.code).toBe(0);
      expectParity("timm-convnext-tiny-custom", readTensors(out));
      const [res] = await classify("timm/convnext_tiny.synthetic", [fixture("images", "photos/pillow/hopper.png")]);
      expect(res.predictions).toHaveLength(5);
    } finally {
      process.env = saved;
      await hub.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
