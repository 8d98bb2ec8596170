// Decoding vs Pillow 9.4 on the real files in test/fixtures/images (pil-decoded.json holds sha256 of Pillow's
// arrays), corrupt-file handling, the pixel limit, EXIF orientation and convert("RGB").
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { pngFile as png } from "../../src/node/png-encode.js";
import { toRgb } from "../../src/preprocess/convert.js";
import { decodeImage, loadImageDecoders, sniffFormat } from "../../src/preprocess/decode.js";
import { ImageDecodeError } from "../../src/preprocess/errors.js";
import { orientationOf, readExifOrientation, transposeForOrientation } from "../../src/preprocess/exif.js";
import type { DecodedImage } from "../../src/preprocess/image.js";
import { decodeJpeg } from "../../src/preprocess/jpeg/index.js";
import { decodedToRgb } from "../../src/preprocess/load-image.js";
import { decodePng } from "../../src/preprocess/png.js";

const ROOT = "test/fixtures/images";

interface ArrayInfo {
  dtype: string;
  shape: number[];
  sha256: string;
}
interface PilFile {
  path: string;
  error?: string;
  pil_mode?: string;
  exif_orientation?: number | null;
  raw?: ArrayInfo;
  rgb?: ArrayInfo;
  load_image?: ArrayInfo;
}

const pil = JSON.parse(readFileSync(join(ROOT, "pil-decoded.json"), "utf8")) as { pillow: string; files: PilFile[] };
const read = (p: string) => new Uint8Array(readFileSync(join(ROOT, p)));
const sha = (v: ArrayBufferView) =>
  createHash("sha256")
    .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    .digest("hex");

const pngFiles = pil.files.filter((f) => sniffFormat(read(f.path)) === "PNG");

function rawShape(img: DecodedImage): number[] {
  const channels = img.data.length / (img.width * img.height);
  return channels === 1 ? [img.height, img.width] : [img.height, img.width, channels];
}

beforeAll(() => loadImageDecoders());

describe("PNG decoding vs Pillow 9.4 (pil-decoded.json)", () => {
  it("covers the corpus", () => {
    expect(pil.pillow).toBe("9.4.0");
    expect(pngFiles.length).toBeGreaterThan(250);
    expect(pngFiles.filter((f) => !f.error).length).toBeGreaterThan(240);
  });

  it("every PNG Pillow decodes: same mode, raw array, convert('RGB') and load_image bytes", () => {
    const mismatches: string[] = [];
    for (const f of pngFiles.filter((f) => !f.error)) {
      let img: DecodedImage;
      try {
        img = decodePng(read(f.path), { source: f.path });
      } catch (e) {
        mismatches.push(`${f.path}: we fail: ${(e as Error).message}`);
        continue;
      }
      // Pillow's "1" images are stored as 0/255 bytes; np.array shows them as bool over those same bytes.
      if (img.mode !== f.pil_mode) mismatches.push(`${f.path}: mode ${img.mode}, Pillow ${f.pil_mode}`);
      if (sha(img.data) !== f.raw!.sha256 || rawShape(img).join() !== f.raw!.shape.join())
        mismatches.push(`${f.path}: raw`);
      if (sha(toRgb(img).data) !== f.rgb!.sha256) mismatches.push(`${f.path}: rgb`);
      const loaded = decodedToRgb(img, true);
      if (sha(loaded.data) !== f.load_image!.sha256 || loaded.height !== f.load_image!.shape[0]) {
        mismatches.push(`${f.path}: load_image`);
      }
      if ((orientationOf(img) ?? null) !== (f.exif_orientation ?? null)) mismatches.push(`${f.path}: orientation`);
    }
    expect(mismatches).toEqual([]);
  });

  it("every PNG Pillow refuses is refused with an error naming the file", () => {
    const failing = pngFiles.filter((f) => f.error);
    expect(failing.length).toBeGreaterThan(15);
    for (const f of failing) {
      expect(() => decodePng(read(f.path), { source: f.path }), f.path).toThrow(ImageDecodeError);
      expect(() => decodePng(read(f.path), { source: f.path }), f.path).toThrow(f.path);
    }
  });
});

describe("corrupt files and broken PngSuite x*.png", () => {
  const files = [
    ...walk(join(ROOT, "corrupt")),
    ...readdirSync(join(ROOT, "pngsuite"))
      .filter((n) => n.startsWith("x"))
      .map((n) => join(ROOT, "pngsuite", n)),
  ];
  const byPath = new Map(pil.files.map((f) => [join(ROOT, f.path), f]));

  it("each gives a clear per-file error, or (where Pillow decodes it) a decoded image", () => {
    expect(files.length).toBeGreaterThan(80);
    const problems: string[] = [];
    let errors = 0;
    for (const path of files) {
      const pilOk = !byPath.get(path)?.error;
      try {
        const img = decodeImage(new Uint8Array(readFileSync(path)), { source: path });
        // Decoding without error is only right where Pillow decodes the file too.
        if (!pilOk) problems.push(`${path}: decoded (${img.mode} ${img.width}x${img.height}) but Pillow refuses it`);
      } catch (e) {
        errors++;
        if (!(e instanceof ImageDecodeError)) problems.push(`${path}: not an ImageDecodeError: ${String(e)}`);
        else if (!e.message.startsWith(path)) problems.push(`${path}: message does not name the file: ${e.message}`);
        if (pilOk && sniffFormat(new Uint8Array(readFileSync(path))) === "PNG")
          problems.push(`${path}: Pillow decodes it`);
      }
    }
    // Corrupt JPEGs the JPEG decoder accepts but Pillow refuses are reported here (the JPEG decoder's tests own them).
    const jpegOnly = problems.filter((p) => /\.jpe?g:/i.test(p) && p.includes("Pillow refuses"));
    if (jpegOnly.length) console.log(`decoded ${jpegOnly.length} corrupt JPEGs Pillow refuses: ${jpegOnly.join("; ")}`);
    expect(problems.filter((p) => !jpegOnly.includes(p))).toEqual([]);
    expect(errors).toBeGreaterThan(40);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe("pixel limit", () => {
  it("refuses a 100000x100000 PNG from its IHDR, before touching the (garbage) pixel data", () => {
    const bomb = png({ width: 100000, height: 100000 }, new Uint8Array([1, 2, 3, 4]));
    expect(bomb.length).toBeLessThan(100);
    expect(() => decodeImage(bomb, { source: "bomb.png" })).toThrow(/bomb\.png: .*10000000000 pixels.*89478485/);
  });

  it("is configurable", () => {
    const raw = new Uint8Array(1 + 4 * 3).fill(7);
    raw[0] = 0;
    const small = png({ width: 4, height: 1 }, new Uint8Array(deflateSync(raw)));
    expect(decodeImage(small, { source: "s.png" }).data).toEqual(new Uint8Array(12).fill(7));
    expect(() => decodeImage(small, { source: "s.png", maxPixels: 3 })).toThrow(/s\.png: .*4 pixels.*limit of 3/);
  });

  it("refuses a huge JPEG from its frame header", () => {
    // SOI, SOF0 claiming 60000x60000 x3, EOI: nothing to decode.
    const sof = [0xff, 0xc0, 0, 17, 8, 0xea, 0x60, 0xea, 0x60, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    const jpg = new Uint8Array([0xff, 0xd8, ...sof, 0xff, 0xd9]);
    expect(() => decodeImage(jpg, { source: "big.jpg" })).toThrow(/big\.jpg: .*3600000000 pixels/);
  });

  it("names the file for unknown formats and empty files", () => {
    expect(() => decodeImage(new TextEncoder().encode("XIF89a...."), { source: "a.gif" })).toThrow(
      /a\.gif: unknown image format/,
    );
    expect(() => decodeImage(new TextEncoder().encode("GIF89a...."), { source: "a.gif" })).toThrow(
      /a\.gif: truncated GIF header/,
    );
    expect(() => decodeImage(new Uint8Array(0), { source: "e.png" })).toThrow(/e\.png: empty file/);
  });
});

describe("EXIF orientation", () => {
  /** A TIFF header + IFD0 with the given entries [tag, type, count, value bytes (<= 4)]. */
  function tiff(little: boolean, entries: [number, number, number, number[]][]): Uint8Array {
    const out = new Uint8Array(8 + 2 + entries.length * 12 + 4);
    const v = new DataView(out.buffer);
    out.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
    v.setUint16(2, 42, little);
    v.setUint32(4, 8, little);
    v.setUint16(8, entries.length, little);
    entries.forEach(([tag, type, count, value], i) => {
      const e = 10 + i * 12;
      v.setUint16(e, tag, little);
      v.setUint16(e + 2, type, little);
      v.setUint32(e + 4, count, little);
      out.set(value, e + 8);
    });
    return out;
  }

  it("reads SHORT/LONG values in both byte orders", () => {
    expect(readExifOrientation(tiff(true, [[0x0112, 3, 1, [6, 0]]]))).toBe(6);
    expect(readExifOrientation(tiff(false, [[0x0112, 3, 1, [0, 8]]]))).toBe(8);
    expect(readExifOrientation(tiff(false, [[0x0112, 4, 1, [0, 0, 0, 3]]]))).toBe(3);
    expect(readExifOrientation(tiff(true, [[0x0100, 3, 1, [9, 0]]]))).toBeUndefined();
  });

  it("follows Pillow on odd encodings", () => {
    // Count 2: Pillow keeps the first value of a tag declared with one value.
    expect(readExifOrientation(tiff(true, [[0x0112, 3, 2, [5, 0, 1, 0]]]))).toBe(5);
    // BYTE type gives Python bytes, which match no orientation (but the tag is present: XMP is not read).
    const byteTag = tiff(true, [[0x0112, 1, 1, [6, 0, 0, 0]]]);
    expect(readExifOrientation(byteTag)).toBeNaN();
    expect(orientationOf({ exif: byteTag, xmp: '<x tiff:Orientation="6"/>' })).toBeNaN();
    // Not a TIFF header, truncated IFD, offset past the end.
    expect(readExifOrientation(new TextEncoder().encode("garbage!garbage!"))).toBeUndefined();
    expect(readExifOrientation(tiff(true, [[0x0112, 3, 1, [6, 0]]]).subarray(0, 15))).toBeUndefined();
    const far = tiff(true, [[0x0112, 3, 1, [6, 0]]]);
    new DataView(far.buffer).setUint32(4, 1 << 30, true);
    expect(readExifOrientation(far)).toBeUndefined();
  });

  it("reads XMP tiff:Orientation only when EXIF has no orientation tag", () => {
    expect(orientationOf({ xmp: '<rdf:Description tiff:Orientation="3"/>' })).toBe(3);
    expect(orientationOf({ xmp: "<tiff:Orientation>7</tiff:Orientation>" })).toBe(7);
    expect(orientationOf({ exif: tiff(true, [[0x0112, 3, 1, [1, 0]]]), xmp: 'tiff:Orientation="3"' })).toBe(1);
    expect(orientationOf({ exif: tiff(true, []), xmp: 'tiff:Orientation="3"' })).toBe(3);
  });

  it("transposes like Pillow's Image.Transpose (hand-worked 3x2 example)", () => {
    // a b c / d e f
    const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const expected: Record<number, [number, number, number[]]> = {
      1: [3, 2, [1, 2, 3, 4, 5, 6]],
      2: [3, 2, [3, 2, 1, 6, 5, 4]], // FLIP_LEFT_RIGHT
      3: [3, 2, [6, 5, 4, 3, 2, 1]], // ROTATE_180
      4: [3, 2, [4, 5, 6, 1, 2, 3]], // FLIP_TOP_BOTTOM
      5: [2, 3, [1, 4, 2, 5, 3, 6]], // TRANSPOSE
      6: [2, 3, [4, 1, 5, 2, 6, 3]], // ROTATE_270 (clockwise)
      7: [2, 3, [6, 3, 5, 2, 4, 1]], // TRANSVERSE
      8: [2, 3, [3, 6, 2, 5, 1, 4]], // ROTATE_90 (counter-clockwise)
    };
    for (const [o, [w, h, data]] of Object.entries(expected)) {
      const r = transposeForOrientation(src, 3, 2, 1, Number(o));
      expect([r.width, r.height, [...r.data]], `orientation ${o}`).toEqual([w, h, data]);
    }
    expect(transposeForOrientation(src, 3, 2, 1, 9).data).toBe(src);
  });

  it("finds the orientation Pillow reports for every decodable JPEG in the corpus", () => {
    // The EXIF the decoder extracts; rotated pixels are checked in the preprocess-photos test.
    const wrong: string[] = [];
    const refused: string[] = [];
    const jpegs = pil.files.filter((f) => !f.error && sniffFormat(read(f.path)) === "JPEG");
    expect(jpegs.length).toBeGreaterThan(200);
    expect(jpegs.filter((f) => (f.exif_orientation ?? 1) > 1).length).toBeGreaterThan(5);
    for (const f of jpegs) {
      let exif: Uint8Array | undefined;
      try {
        exif = decodeJpeg(read(f.path), { source: f.path }).exif;
      } catch {
        refused.push(f.path);
        continue;
      }
      const found = exif ? orientationOf({ exif }) : undefined;
      if ((found ?? null) !== (f.exif_orientation ?? null)) wrong.push(`${f.path}: ${found} vs ${f.exif_orientation}`);
    }
    expect(wrong).toEqual([]);
    // the two damaged files the decoder refuses although Pillow decodes them (known differences, jpeg-decode.test.ts)
    expect(refused.map((p) => p.split("/").pop())).toEqual([
      "5482a54657765056f1a94116a8dbffe7.jpg",
      expect.stringMatching(/^8a9cc8ee/),
    ]);
  });
});

describe("convert('RGB') rules", () => {
  it("CMYK uses Pillow's MULDIV255 formula; I clips; 1 and P", () => {
    // Hand-computed: nk = 255 - K; R = nk - round(C * nk / 255) with Pillow's ((t >> 8) + t) >> 8, t = C*nk + 128.
    const cmyk: DecodedImage = {
      width: 2,
      height: 1,
      mode: "CMYK",
      data: new Uint8Array([0, 0, 0, 0, 100, 200, 255, 55]),
    };
    // pixel 2: nk = 200; 100*200+128 = 20128 -> (78 + 20128) >> 8 = 78 -> 122; 200*200+128 = 40128 -> (156+40128)>>8 = 157 -> 43; 255 -> 0
    expect([...toRgb(cmyk).data]).toEqual([255, 255, 255, 122, 43, 0]);
    const i16: DecodedImage = { width: 3, height: 1, mode: "I", data: new Int32Array([-5, 200, 40000]) };
    expect([...toRgb(i16).data]).toEqual([0, 0, 0, 200, 200, 200, 255, 255, 255]);
    const bilevel: DecodedImage = { width: 2, height: 1, mode: "1", data: new Uint8Array([0, 255]) };
    expect([...toRgb(bilevel).data]).toEqual([0, 0, 0, 255, 255, 255]);
    // Index past the palette: Pillow's palette starts as a grey ramp.
    const p: DecodedImage = {
      width: 2,
      height: 1,
      mode: "P",
      data: new Uint8Array([0, 9]),
      palette: new Uint8Array([10, 20, 30]),
    };
    expect([...toRgb(p).data]).toEqual([10, 20, 30, 9, 9, 9]);
    const rgba: DecodedImage = { width: 1, height: 1, mode: "RGBA", data: new Uint8Array([1, 2, 3, 0]) };
    expect([...toRgb(rgba).data]).toEqual([1, 2, 3]);
  });
});
