// `convnext preprocess` and `convnext decode` end to end (commands run in-process, files in a temp dir).
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import "../../src/node/setup.js"; // what the CLI entry (src/cli/main.ts) sets up before running a command
import decode from "../../src/cli/decode.js";
import preprocess from "../../src/cli/preprocess.js";
import { parseSafetensors } from "../../src/io/safetensors.js";

const tmp = mkdtempSync(join(tmpdir(), "convnext-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const PHOTOS = "test/fixtures/preprocess-photos/config-224-bicubic";
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("convnext preprocess", () => {
  it("writes the pixel_values transformers computes (two PNGs, one batch)", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const index = JSON.parse(readFileSync(join(PHOTOS, "index.json"), "utf8")) as {
      images: { path: string; pixel_values_sha256: string }[];
    };
    const paths = ["photos/scikit-image/camera.png", "photos/pillow/hopper_wal.png"];
    const out = join(tmp, "pv.safetensors");
    const code = await preprocess.run([
      "--model",
      PHOTOS,
      ...paths.map((p) => join("test/fixtures/images", p)),
      "--output",
      out,
    ]);
    expect(code).toBe(0);
    const pv = parseSafetensors(new Uint8Array(readFileSync(out))).tensors.get("pixel_values")!;
    expect(pv.shape).toEqual([2, 3, 224, 224]);
    const per = pv.bytes.length / 2;
    paths.forEach((p, b) => {
      const want = index.images.find((e) => e.path === p)!.pixel_values_sha256;
      expect(sha(pv.bytes.subarray(b * per, (b + 1) * per))).toBe(want);
    });
    vi.restoreAllMocks();
  });

  it("fails naming the bad file and writes nothing", async () => {
    const out = join(tmp, "bad.safetensors");
    const bad = "test/fixtures/images/corrupt/pillow/truncated_image.png";
    await expect(preprocess.run(["--model", PHOTOS, bad, "--output", out])).rejects.toThrow(bad);
    expect(readdirSync(tmp).filter((f) => f.includes("bad"))).toEqual([]);
  });
});

describe("convnext decode", () => {
  it("writes load_image arrays as .npy, reports failures per file and exits 1", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const dir = join(tmp, "npy");
    const good = "test/fixtures/images/photos/pillow/xmp_tags_orientation.png";
    const bad = "test/fixtures/images/corrupt/pillow/truncated_image.png";
    const code = await decode.run([good, bad, "--output", dir]);
    expect(code).toBe(1);
    expect(err.mock.calls.flat().join("\n")).toContain(bad);
    const npy = new Uint8Array(readFileSync(join(dir, "xmp_tags_orientation.npy")));
    expect(String.fromCharCode(...npy.subarray(1, 6))).toBe("NUMPY");
    const headerLen = npy[8] | (npy[9] << 8);
    const header = String.fromCharCode(...npy.subarray(10, 10 + headerLen));
    // XMP orientation 3 (rotate 180) keeps the 326x268 size: HxWx3 = 268x326x3.
    expect(header).toContain("'descr': '|u1'");
    expect(header).toContain("'shape': (268, 326, 3)");
    expect((10 + headerLen) % 64).toBe(0);
    const pil = JSON.parse(readFileSync("test/fixtures/images/pil-decoded.json", "utf8")) as {
      files: { path: string; load_image?: { sha256: string } }[];
    };
    const want = pil.files.find((f) => f.path === "photos/pillow/xmp_tags_orientation.png")!.load_image!.sha256;
    expect(sha(npy.subarray(10 + headerLen))).toBe(want);
    log.mockRestore();
    err.mockRestore();
  });
});
