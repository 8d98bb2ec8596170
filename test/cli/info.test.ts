// `convnext info`: FLOPs at the size the image processor produces (counted here by hand from the
// architecture), preprocessor_config.json among the files, --json.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../../src/node/setup.js";
import info from "../../src/cli/info.js";
import { parseSafetensors } from "../../src/io/safetensors.js";
import { runCommand } from "../helpers/cli.js";

const tmp = mkdtempSync(join(tmpdir(), "convnext-info-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Multiply-adds of tiny-classifier (hidden [8, 16, 32, 64], depths [1, 1, 2, 1], patch 4, 5 labels) at s x s. */
function tinyMacs(s: number): number {
  const hidden = [8, 16, 32, 64];
  const depths = [1, 1, 2, 1];
  let h = s / 4;
  let macs = hidden[0] * h * h * 3 * 4 * 4; // stem
  hidden.forEach((c, i) => {
    if (i > 0) {
      h /= 2;
      macs += c * h * h * hidden[i - 1] * 2 * 2; // downsampling conv
    }
    macs += depths[i] * (c * h * h * 49 + 2 * h * h * c * 4 * c); // dwconv, pwconv1, pwconv2
  });
  return macs + 64 * 5; // classifier
}

describe("convnext info", () => {
  it("FLOPs at the preprocessor's size, not config.json's image_size; --json", async () => {
    const dir = join(tmp, "model");
    cpSync("test/fixtures/tiny-classifier", dir, { recursive: true });
    // config.json says 64; the processor crops 128 x 128
    writeFileSync(join(dir, "preprocessor_config.json"), JSON.stringify({ size: { shortest_edge: 128 }, resample: 3 }));
    const text = await runCommand(info, ["--model", dir]);
    expect(text.stdout).toContain(
      "image size:     128 x 128 (preprocessor_config.json; shortest_edge 128: resize to 146, bicubic, centre crop)",
    );
    expect(text.stdout).toContain(`FLOPs:          ${((2 * tinyMacs(128)) / 1e6).toFixed(2)} MFLOPs`);
    expect(text.stdout).toContain(`                ${join(dir, "preprocessor_config.json")}`);

    const json = JSON.parse((await runCommand(info, ["--model", dir, "--json"])).stdout);
    expect(json).toMatchObject({
      architecture: "ConvNextForImageClassification",
      model_type: "convnext",
      num_labels: 5,
      image_size: [128, 128],
      image_size_from: "preprocessor_config.json",
      macs: tinyMacs(128),
      flops: 2 * tinyMacs(128),
      format: "safetensors",
      dtypes: { F32: parseSafetensors(new Uint8Array(readFileSync(join(dir, "model.safetensors")))).tensors.size },
    });
    expect(json.files).toEqual(
      ["config.json", "model.safetensors", "preprocessor_config.json"].map((f) => join(dir, f)),
    );
  });

  it("without a preprocessor_config.json: config.json's image_size", async () => {
    const dir = join(tmp, "bare");
    cpSync("test/fixtures/tiny-classifier", dir, { recursive: true });
    rmSync(join(dir, "preprocessor_config.json"));
    const json = JSON.parse((await runCommand(info, ["--model", dir, "--json"])).stdout);
    expect(json).toMatchObject({ image_size: [64, 64], image_size_from: "config.json image_size", macs: tinyMacs(64) });
  });
});
