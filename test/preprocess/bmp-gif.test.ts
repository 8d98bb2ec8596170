// BMP and GIF (first frame) decoding against Pillow 9.4: every file of test/fixtures/images/{bmp,gif,generated}
// gives the RGB array load_image gives (sha256, tools/bmp_gif_fixtures.py), or is refused where Pillow
// refuses it; other formats are named in the error.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage, loadImageDecoders, sniffFormat } from "../../src/preprocess/decode.js";
import { ImageDecodeError } from "../../src/preprocess/errors.js";
import { decodeToRgb } from "../../src/preprocess/load-image.js";
import { mulberry32 } from "../../src/ops/drop-path.js";

interface Entry {
  path: string;
  mode?: string;
  size?: [number, number];
  sha256?: string;
  error?: string;
}
const ROOT = "test/fixtures/images";
const pil = JSON.parse(readFileSync(`${ROOT}/bmp-gif-pil.json`, "utf8")) as { files: Entry[] };
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("the BMP and GIF decoders load on demand", () => {
  // this file's module registry is its own: nothing has loaded them yet
  const bmp = new Uint8Array(
    readFileSync(`${ROOT}/${pil.files.find((e) => e.sha256 && e.path.endsWith(".bmp"))!.path}`),
  );
  it("until loaded, decodeImage says what to await; a PNG or JPEG does not load them", async () => {
    expect(() => decodeImage(bmp, { source: "a.bmp" })).toThrow(
      /a\.bmp: BMP decoding loads on demand: await loadImageDecoders\(\) first/,
    );
    await loadImageDecoders(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)); // a PNG's signature
    expect(() => decodeImage(bmp, { source: "a.bmp" })).toThrow(/loads on demand/);
    await loadImageDecoders(bmp);
    expect(decodeImage(bmp, { source: "a.bmp" }).width).toBeGreaterThan(0);
  });
});

describe("BMP and GIF as Pillow 9.4 decodes them", () => {
  beforeAll(() => loadImageDecoders());
  const decoded = pil.files.filter((e) => e.sha256);
  it(`${decoded.length} files Pillow decodes: the same RGB array, bit for bit`, () => {
    const wrong: string[] = [];
    for (const e of decoded) {
      const path = `${ROOT}/${e.path}`;
      try {
        const rgb = decodeToRgb(new Uint8Array(readFileSync(path)), { source: path });
        if (rgb.width !== e.size![0] || rgb.height !== e.size![1]) wrong.push(`${e.path}: ${rgb.width}x${rgb.height}`);
        else if (sha(rgb.data) !== e.sha256) wrong.push(`${e.path}: other pixels`);
      } catch (err) {
        wrong.push(`${e.path}: ${(err as Error).message}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(decoded.length).toBeGreaterThan(100);
  });

  const refused = pil.files.filter((e) => e.error);
  it.each(refused.map((e) => [e.path, e.error]))("%s: refused, as Pillow does (%s)", (path) => {
    const file = `${ROOT}/${path}`;
    expect(() => decodeToRgb(new Uint8Array(readFileSync(file)), { source: file })).toThrow(new RegExp(`^${file}: `));
  });

  it("covers the variants users have", () => {
    const modes = (ext: string) => new Set(decoded.filter((e) => e.path.endsWith(ext)).map((e) => e.mode));
    expect([...modes(".bmp")].sort()).toEqual(["1", "L", "P", "RGB", "RGBA"]);
    const has = (name: string) => decoded.some((e) => e.path.includes(name));
    for (const variant of ["rle", "topdown", "rgb16-565", "rgb16.bmp", "rgb32", "os2", "pal4", "pal1"]) {
      expect(has(variant), variant).toBe(true);
    }
    for (const variant of ["interlaced", "transparent", "local-palette", "frame-offset", "frame-past-screen"]) {
      expect(has(variant), variant).toBe(true);
    }
  });

  it("damaged files (cut short, bytes changed): an error naming the file, never a crash or a hang", () => {
    const random = mulberry32(18);
    const problems: string[] = [];
    for (const e of decoded) {
      const file = `${ROOT}/${e.path}`;
      const bytes = new Uint8Array(readFileSync(file));
      const variants = [bytes.subarray(0, Math.floor(bytes.length / 2)), bytes.subarray(0, 30)];
      for (let k = 0; k < 4; k++) {
        const changed = bytes.slice();
        for (let j = 0; j < 6; j++)
          changed[Math.floor(random() * Math.min(changed.length, 2000))] = Math.floor(random() * 256);
        variants.push(changed);
      }
      for (const v of variants) {
        try {
          decodeToRgb(v, { source: file, maxPixels: 4_000_000 });
        } catch (err) {
          if (!(err instanceof ImageDecodeError)) problems.push(`${e.path}: ${(err as Error).stack}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("sniffs BMP and GIF by their magic bytes", () => {
    expect(sniffFormat(new Uint8Array(readFileSync(`${ROOT}/bmp/pillow/hopper.bmp`)))).toBe("BMP");
    expect(sniffFormat(new Uint8Array(readFileSync(`${ROOT}/gif/pillow/hopper.gif`)))).toBe("GIF");
  });

  it("refuses images over maxPixels from the header, before decoding", () => {
    const file = `${ROOT}/gif/pillow/hopper.gif`;
    expect(() => decodeImage(new Uint8Array(readFileSync(file)), { source: file, maxPixels: 1000 })).toThrow(
      /128x128 \(16384 pixels\) exceeds the limit of 1000 pixels/,
    );
  });
});

describe("formats this engine does not decode", () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));
  it.each([
    ["WebP", bytes("RIFF", [0x24, 0, 0, 0], "WEBPVP8 ")],
    ["TIFF", bytes("II*", [0], [8, 0, 0, 0])],
    ["TIFF", bytes("MM", [0, 42], [0, 0, 0, 8])],
    ["HEIF/HEIC", bytes([0, 0, 0, 24], "ftypheic", [0, 0, 0, 0])],
    ["AVIF", bytes([0, 0, 0, 28], "ftypavif", [0, 0, 0, 0])],
    ["JPEG XL", bytes([0xff, 0x0a, 0xfa, 0x7f])],
    ["ICO", bytes([0, 0, 1, 0, 1, 0, 16, 16])],
    ["Photoshop (PSD)", bytes("8BPS", [0, 1])],
    ["SVG", bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ])("%s: an error naming the format", (name, data) => {
    expect(() => decodeImage(data, { source: "x.jpg" })).toThrow(
      `x.jpg: ${name} images are not supported (this engine decodes PNG, JPEG, BMP and GIF)`,
    );
  });

  it("anything else: unknown format; nothing: empty file", () => {
    expect(() => decodeImage(bytes("hello world"), { source: "a" })).toThrow("a: unknown image format (this engine");
    expect(() => decodeImage(new Uint8Array(0), { source: "a" })).toThrow("a: empty file");
  });
});
