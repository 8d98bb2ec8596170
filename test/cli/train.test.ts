// `convnext grad`, `convnext train` and `convnext explain` end to end (the built CLI in a child process):
// PyTorch's gradients and optimizer trajectories through the files, a fine-tune on an image folder whose
// checkpoint loads back strictly, --resume, Grad-CAM pictures, and bad input giving one clear error.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPretrained } from "../../src/index.js";
import { parseSafetensors } from "../../src/io/safetensors.js";
import { decodePng } from "../../src/preprocess/png.js";
import { fixture, readTensors, relativeToMax } from "../helpers/helpers.js";

const CLI = new URL("../../dist/cli/main.js", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "convnext-train-"));
const PHOTOS = fixture("images", "photos");

function convnext(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("convnext grad", () => {
  it("writes loss, grad.pixel_values, grad.<param> and Grad-CAM as PyTorch computes them", () => {
    const out = join(tmp, "grads.safetensors");
    const r = convnext("grad", "--model", fixture("tiny-classifier"), "--input", fixture("tiny-classifier", "grads.safetensors"), "--output", out, "--gradcam"); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const ours = readTensors(out);
    const ref = readTensors(fixture("tiny-classifier", "grads.safetensors"));
    expect(Math.abs(ours.get("loss")!.data[0] - ref.get("loss")!.data[0])).toBeLessThan(1e-5);
    expect(ours.get("loss")!.shape).toEqual([]);
    let count = 0;
    for (const [key, e] of ref) {
      if (!key.startsWith("grad.") && !["gradcam.weights", "gradcam.cam"].includes(key)) continue;
      expect(relativeToMax(ours.get(key)!.data, e.data), key).toBeLessThanOrEqual(1e-5);
      count++;
    }
    expect(count).toBe(68);
    const raw = parseSafetensors(new Uint8Array(readFileSync(out))).tensors.get("gradcam.target")!;
    expect(raw.dtype).toBe("I64");
    expect(Array.from(ours.get("gradcam.target")!.data)).toEqual(Array.from(ref.get("gradcam.target")!.data));
  });

  it("upstream gradients on a backbone's feature maps give its objective", () => {
    const out = join(tmp, "backbone.safetensors");
    const input = fixture("backbone-stem-s2-s4", "grads.safetensors");
    const r = convnext("grad", "--model", fixture("backbone-stem-s2-s4"), "--input", input, "--output", out);
    expect(r.code, r.stderr).toBe(0);
    const ours = readTensors(out);
    const ref = readTensors(input);
    expect(relativeToMax(ours.get("objective")!.data, ref.get("objective")!.data)).toBeLessThan(1e-5);
    expect(relativeToMax(ours.get("grad.pixel_values")!.data, ref.get("grad.pixel_values")!.data)).toBeLessThan(1e-5);
  });

  it("bad input: one clear error, no output file", () => {
    const out = join(tmp, "never.safetensors");
    let r = convnext("grad", "--model", fixture("tiny-classifier"), "--input", fixture("tiny-classifier", "expected.safetensors"), "--output", out, "--task", "base"); // prettier-ignore
    expect(r.code).not.toBe(0);
    r = convnext("grad", "--model", fixture("tiny-classifier"), "--input", fixture("tiny-classifier", "config.json"), "--output", out); // prettier-ignore
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.json: invalid safetensors file/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe("convnext train", () => {
  it("--data train.safetensors --steps 5 reproduces PyTorch's AdamW trajectory; --resume continues it exactly", () => {
    const dir = join(tmp, "adamw");
    const args = ["--model", fixture("tiny-classifier"), "--data", fixture("tiny-classifier", "train.safetensors"), "--optimizer", "adamw", "--lr", "1e-3", "--weight-decay", "0.05"]; // prettier-ignore
    let r = convnext("train", ...args, "--output", dir, "--steps", "5");
    expect(r.code, r.stderr).toBe(0);
    const ref = readTensors(fixture("tiny-classifier", "train.safetensors"));
    const state = JSON.parse(readFileSync(join(dir, "trainer_state.json"), "utf8"));
    expect(state.global_step).toBe(5);
    const losses = state.log_history.filter((e: { loss?: number }) => e.loss !== undefined).map((e: { loss: number }) => e.loss); // prettier-ignore
    expect(losses).toEqual(Array.from(ref.get("adamw.loss")!.data, (v) => Math.round(v * 1e4) / 1e4));
    const weights = readTensors(join(dir, "model.safetensors"));
    let over = 0;
    let total = 0;
    for (const [key, e] of ref) {
      if (!key.startsWith("adamw.final.")) continue;
      const a = weights.get(key.slice("adamw.final.".length))!;
      e.data.forEach((v, i) => (over += Math.abs(a.data[i] - v) > 1e-5 ? 1 : 0));
      total += e.size;
    }
    expect(total).toBe(72365);
    expect(over / total).toBeLessThanOrEqual(1e-4);
    // 3 steps, then --resume to 5: the same weights, bit for bit
    const split = join(tmp, "adamw-split");
    expect(convnext("train", ...args, "--output", split, "--steps", "3").code).toBe(0);
    r = convnext("train", ...args, "--output", split, "--steps", "5", "--resume");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming .* at step 3/);
    const resumed = readTensors(join(split, "model.safetensors"));
    for (const [key, t] of weights) expect(Array.from(resumed.get(key)!.data), key).toEqual(Array.from(t.data));
  });

  it("fine-tunes on an image folder: a new head for its classes, the loss falls, the checkpoint loads strictly", async () => {
    const data = join(tmp, "folder");
    const classes = { animal: ["darknet/dog.jpg", "darknet/eagle.jpg", "scikit-image/chelsea.png", "darknet/horses.jpg"], texture: ["scikit-image/brick.png", "scikit-image/gravel.png", "scikit-image/grass.png", "opencv/building.jpg"] }; // prettier-ignore
    for (const [name, files] of Object.entries(classes)) {
      mkdirSync(join(data, name), { recursive: true });
      for (const f of files) copyFileSync(join(PHOTOS, f), join(data, name, f.replace("/", "_")));
    }
    const dir = join(tmp, "folder-model");
    const r = convnext("train", "--model", fixture("tiny-classifier"), "--data", data, "--output", dir, "--epochs", "6", "--batch-size", "4", "--lr", "2e-3", "--val-split", "0.25", "--seed", "1"); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/new classification head for 2 classes: animal, texture/);
    expect(readdirSync(dir).sort()).toEqual(["config.json", "model.safetensors", "optimizer.safetensors", "preprocessor_config.json", "trainer_state.json"]); // prettier-ignore
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config.id2label).toEqual({ 0: "animal", 1: "texture" });
    expect(config.label2id).toEqual({ animal: 0, texture: 1 });
    expect(config.architectures).toEqual(["ConvNextForImageClassification"]);
    const history = JSON.parse(readFileSync(join(dir, "trainer_state.json"), "utf8")).log_history;
    const losses = history.filter((e: { loss?: number }) => e.loss !== undefined).map((e: { loss: number }) => e.loss);
    expect(losses).toHaveLength(6);
    expect(losses[5]).toBeLessThan(losses[0]);
    expect(history.filter((e: { eval_accuracy?: number }) => e.eval_accuracy !== undefined)).toHaveLength(6);
    const model = await loadPretrained(dir); // strict: every key, every shape
    expect(model.config.numLabels).toBe(2);
  });

  it("Ctrl-C finishes the step, saves a checkpoint that --resume continues, and exits 130", async () => {
    const dir = join(tmp, "interrupted");
    const args = [CLI, "train", "--model", fixture("tiny-classifier"), "--data", fixture("tiny-classifier", "train.safetensors"), "--output", dir, "--steps", "100000", "--lr", "1e-4"]; // prettier-ignore
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let sent = false;
    child.stderr.on("data", (d) => {
      stderr += d;
      if (!sent && /epoch 3:/.test(stderr)) sent = child.kill("SIGINT"); // once (twice quits without saving)
    });
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted: saving a checkpoint/);
    const state = JSON.parse(readFileSync(join(dir, "trainer_state.json"), "utf8"));
    expect(state.global_step).toBeGreaterThanOrEqual(3);
    expect(state.global_step).toBeLessThan(100000);
    expect(existsSync(join(dir, "model.safetensors"))).toBe(true);
    const r = convnext("train", ...args.slice(2, -4), "--steps", String(state.global_step + 1), "--lr", "1e-4", "--resume"); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "trainer_state.json"), "utf8")).global_step).toBe(state.global_step + 1);
  });

  it("bad input: a missing folder, conflicting options", () => {
    const dir = join(tmp, "never");
    let r = convnext("train", "--model", fixture("tiny-classifier"), "--data", join(tmp, "nope"), "--output", dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope: cannot read the image folder/);
    expect(existsSync(dir)).toBe(false);
    r = convnext("train", "--model", fixture("tiny-classifier"), "--data", "x", "--output", dir, "--epochs", "1", "--steps", "2"); // prettier-ignore
    expect(r.code).toBe(2);
    r = convnext("train", "--data", "x", "--output", dir, "--resume");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no trainer_state\.json/);
  });
});

describe("convnext explain", () => {
  it("writes the overlay PNG at the preprocessed size and the raw map as .npy", () => {
    const out = join(tmp, "cam.png");
    const r = convnext("explain", "--model", fixture("tiny-classifier"), join(PHOTOS, "darknet/dog.jpg"), "--output", out, "--target", "dog"); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Grad-CAM of "dog" \(class 1/);
    const png = readFileSync(out);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const image = decodePng(new Uint8Array(png)); // our Pillow-exact decoder reads it back
    expect([image.width, image.height, image.mode]).toEqual([64, 64, "RGB"]); // the 64 x 64 crop the model saw
    const npy = readFileSync(join(tmp, "cam.npy"));
    expect(npy.subarray(1, 6).toString()).toBe("NUMPY");
    expect(npy.toString("latin1")).toMatch(/'shape': \(2, 2\)/);
    const bad = convnext("explain", "--model", fixture("tiny-classifier"), join(PHOTOS, "darknet/dog.jpg"), "--output", out, "--target", "zebra"); // prettier-ignore
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--target "zebra"/);
  });
});
