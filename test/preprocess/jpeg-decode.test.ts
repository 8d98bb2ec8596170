// The JPEG decoder against Pillow 9.4 / libjpeg-turbo 2.1.5: every JPEG of the corpus must give Pillow's exact
// array (sha256 from test/fixtures/images/pil-decoded.json) or, when Pillow refuses it, a clear error naming the
// file. Plus sub-pieces checked against hand-computed values from ITU T.81.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { channelsOf } from "../../src/preprocess/image.js";
import { BitReader } from "../../src/preprocess/jpeg/bitreader.js";
import { yccToRgbRow } from "../../src/preprocess/jpeg/color.js";
import { buildHuffmanTable, standardHuffmanSpecs } from "../../src/preprocess/jpeg/huffman.js";
import { idctIslow } from "../../src/preprocess/jpeg/idct.js";
import { decodeJpeg } from "../../src/preprocess/jpeg/index.js";

const IMAGES = join(__dirname, "..", "fixtures", "images");

interface PilEntry {
  path: string;
  format?: string;
  pil_mode?: string;
  raw?: { shape: number[]; sha256: string };
  error?: string;
}

const pil = JSON.parse(readFileSync(join(IMAGES, "pil-decoded.json"), "utf8")) as { files: PilEntry[] };
const expected = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "jpeg-expected.json"), "utf8")) as {
  files: Record<string, { mode?: string; shape?: number[]; sha256?: string; error?: string }>;
  truncated: { files: Record<string, { mode: string; shape: number[]; sha256: string }> };
};

/** Files Pillow decodes but this decoder refuses, and why. The test fails if one of them starts decoding. */
const REFUSED_BUT_PILLOW_DECODES: Record<string, string> = {
  "corrupt/jpeg-decoder/imagetestsuite/5482a54657765056f1a94116a8dbffe7.jpg":
    "data ends inside the scan; libjpeg's suspend/resume through Pillow's 64 KiB feeding happens to finish it",
  "corrupt/jpeg-decoder/imagetestsuite/8a9cc8eeed66aeb423a91c44111d9450.jpg":
    "a second SOF after the (complete) single scan: Pillow stops once all rows are out and never reads it",
};

/** Files Pillow refuses at open (in its own Python header parser) that libjpeg itself would decode. */
const DECODED_BUT_PILLOW_REFUSES: Record<string, string> = {
  "corrupt/pillow/truncated_exif_dpi.jpg": "Pillow's open() fails reading the DPI from a truncated EXIF block",
};

/** Entropy-coded bytes for a bit string, with the 0x00 stuffed after every 0xFF (T.81 F.1.2.3) and padding. */
function entropyBytes(bits: string): Uint8Array {
  const raw = new Uint8Array(Math.ceil(bits.length / 8) + 4);
  for (let i = 0; i < bits.length; i++) if (bits[i] === "1") raw[i >> 3] |= 0x80 >> (i & 7);
  const out: number[] = [];
  for (const b of raw) out.push(...(b === 0xff ? [0xff, 0x00] : [b]));
  return Uint8Array.from(out);
}

function isJpegFile(path: string, bytes: Uint8Array): boolean {
  const png = bytes[0] === 0x89 && bytes[1] === 0x50;
  return !png && (/\.jpe?g$/i.test(path) || (bytes[0] === 0xff && bytes[1] === 0xd8));
}

const corpus = pil.files
  .map((entry) => ({ entry, bytes: new Uint8Array(readFileSync(join(IMAGES, entry.path))) }))
  .filter(({ entry, bytes }) => isJpegFile(entry.path, bytes));

function sha256(data: Uint8Array | Int32Array): string {
  return createHash("sha256")
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest("hex");
}

describe("JPEG corpus against Pillow", () => {
  it("covers the corpus", () => {
    expect(corpus.length).toBeGreaterThan(400);
    expect(corpus.filter(({ entry }) => entry.raw).length).toBeGreaterThan(280);
  });

  it("the committed expectations (tools/pil_decode_hashes.py) agree with pil-decoded.json", () => {
    for (const { entry } of corpus) {
      const e = expected.files[entry.path];
      expect(e, entry.path).toBeDefined();
      if (entry.raw && entry.format === "JPEG") expect(e.sha256, entry.path).toBe(entry.raw.sha256);
      else expect(e.sha256, entry.path).toBeUndefined();
    }
  });

  for (const { entry, bytes } of corpus) {
    const pillowDecodes = entry.raw !== undefined && entry.format === "JPEG";
    if (pillowDecodes && REFUSED_BUT_PILLOW_DECODES[entry.path]) {
      it(`known difference: refuses ${entry.path}`, () => {
        expect(() => decodeJpeg(bytes, { source: entry.path })).toThrow(entry.path);
      });
    } else if (pillowDecodes) {
      it(`decodes ${entry.path} exactly as Pillow`, () => {
        const raw = entry.raw as { shape: number[]; sha256: string };
        const image = decodeJpeg(bytes, { source: entry.path });
        expect(image.mode).toBe(entry.pil_mode);
        const shape = [image.height, image.width];
        if (channelsOf(image.mode) > 1) shape.push(channelsOf(image.mode));
        expect(shape).toEqual(raw.shape);
        expect(sha256(image.data)).toBe(raw.sha256);
      });
    } else if (DECODED_BUT_PILLOW_REFUSES[entry.path]) {
      it(`known difference: decodes ${entry.path}`, () => {
        expect(() => decodeJpeg(bytes, { source: entry.path })).not.toThrow();
      });
    } else {
      it(`refuses ${entry.path} like Pillow`, () => {
        expect(() => decodeJpeg(bytes, { source: entry.path })).toThrow(entry.path);
      });
    }
  }
});

describe("truncated files", () => {
  for (const [path, e] of Object.entries(expected.truncated.files)) {
    const bytes = new Uint8Array(readFileSync(join(IMAGES, path)));
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    it(`${path} cut in half: an error by default, Pillow's LOAD_TRUNCATED_IMAGES pixels on request`, () => {
      expect(() => decodeJpeg(half, { source: path })).toThrow(`${path}: image file is truncated`);
      const image = decodeJpeg(half, { source: path, allowTruncated: true });
      expect(image.mode).toBe(e.mode);
      expect(sha256(image.data)).toBe(e.sha256);
    });
  }
});

describe("limits and hostile input", () => {
  const photo = new Uint8Array(readFileSync(join(IMAGES, "jpeg/libjpeg-turbo/testorig.jpg")));

  it("checks maxPixels from the SOF before decoding", () => {
    expect(() => decodeJpeg(photo, { source: "x.jpg", maxPixels: 1000 })).toThrow(
      /x\.jpg: image size \(33823 pixels\)/,
    );
    const bomb = new Uint8Array(readFileSync(join(IMAGES, "corrupt/jpeg-decoder/max_size.jpg")));
    expect(() => decodeJpeg(bomb, { source: "bomb.jpg" })).toThrow("bomb.jpg");
  });

  it("refuses every prefix of a file quickly and clearly", () => {
    for (let n = 0; n < photo.length; n += 97) {
      expect(() => decodeJpeg(photo.subarray(0, n), { source: "cut.jpg" })).toThrow(/^cut\.jpg: /);
    }
  });

  it("never hangs or crashes on bit flips: decodes or throws an error naming the file", () => {
    let state = 12345;
    const random = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 200; trial++) {
      const damaged = photo.slice();
      for (let k = 0; k < 4; k++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      try {
        const image = decodeJpeg(damaged, { source: "flip.jpg" });
        expect(image.data.length).toBe(image.width * image.height * channelsOf(image.mode));
      } catch (e) {
        expect((e as Error).message).toMatch(/^flip\.jpg: /);
      }
    }
  });

  it("rejects files that are not JPEG", () => {
    expect(() => decodeJpeg(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { source: "a.png" })).toThrow(
      "a.png: not a JPEG file",
    );
  });
});

describe("pieces against hand-computed T.81 values", () => {
  it("builds the annex K luminance DC code (table K.3) and decodes a bit string with it", () => {
    const table = buildHuffmanTable(standardHuffmanSpecs().dc[0], true, "t");
    // Categories 0..5 have codes 00, 010, 011, 100, 101, 110; 6 is 1110; 11 is 111111110.
    const bits = "00" + "010" + "110" + "1110" + "111111110" + "011";
    const reader = new BitReader(entropyBytes(bits), 0, false, "t");
    expect([0, 1, 5, 6, 11, 2].map(() => reader.decode(table))).toEqual([0, 1, 5, 6, 11, 2]);
  });

  it("builds the annex K luminance AC table (table K.5)", () => {
    const spec = standardHuffmanSpecs().ac[0];
    const table = buildHuffmanTable(spec, false, "t");
    // Codes from table K.5: 0/1 = 00, EOB = 1010, 0/5 = 11010, ZRL (F/0) = 11111111001, F/A = 1111111111111110.
    const cases: [string, number][] = [
      ["00", 0x01],
      ["1010", 0x00],
      ["11010", 0x05],
      ["11111111001", 0xf0],
      ["1111111111111110", 0xfa],
    ];
    for (const [code, symbol] of cases) {
      expect(new BitReader(entropyBytes(code), 0, false, "t").decode(table), code).toBe(symbol);
    }
    let count = 0;
    for (let l = 1; l <= 16; l++) count += spec.bits[l];
    expect(count).toBe(162);
  });

  it("rejects Huffman counts that are not a prefix code", () => {
    const bits = new Uint8Array(17);
    bits[1] = 3; // three 1-bit codes cannot exist
    expect(() => buildHuffmanTable({ bits, values: new Uint8Array(256) }, false, "h.jpg")).toThrow("h.jpg");
  });

  it("inverse-transforms a DC-only block to 128 + DC * Q / 8 (rounded)", () => {
    const coefs = new Int16Array(64);
    const quant = new Int32Array(64).fill(16);
    const out = new Uint8Array(64);
    for (const [dc, sampleValue] of [
      [10, 148],
      [-3, 122],
      [200, 255],
      [-200, 0],
    ]) {
      coefs[0] = dc;
      idctIslow(out, 0, 8, coefs, 0, quant, new Int32Array(64));
      expect(Array.from(new Set(out))).toEqual([sampleValue]);
    }
  });

  it("converts YCbCr with libjpeg's rounding", () => {
    const out = new Uint8Array(9);
    const y = new Uint8Array([128, 100, 255]);
    const cb = new Uint8Array([128, 200, 128]);
    const cr = new Uint8Array([128, 50, 255]);
    yccToRgbRow(out, 0, y, 0, cb, 0, cr, 0, 3);
    // R = Y + 1.402 (Cr-128), G = Y - 0.34414 (Cb-128) - 0.71414 (Cr-128), B = Y + 1.772 (Cb-128), rounded, clamped.
    expect(Array.from(out)).toEqual([128, 128, 128, 0, 131, 228, 255, 164, 255]);
  });
});
