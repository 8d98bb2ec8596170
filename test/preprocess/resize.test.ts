// resize.ts against Pillow 9.4 itself: expectations written by tools/pil_resize_expectations.py.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { resize, Resample } from "../../src/preprocess/resize.js";

interface Case {
  in: [number, number];
  out: [number, number];
  channels: number;
  pattern: "noise" | "checker";
  seed: number;
  filter: string;
  resample: Resample;
  sha256: string;
  bytes: number[] | null;
}

const expectations = JSON.parse(readFileSync("test/fixtures/resize/pillow-resize.json", "utf8")) as {
  pillow: string;
  cases: Case[];
};

/** The same generators as the Python script. */
function makeInput(pattern: Case["pattern"], w: number, h: number, channels: number, seed: number): Uint8Array {
  const out = new Uint8Array(w * h * channels);
  if (pattern === "noise") {
    let s = seed >>> 0 || 1;
    for (let i = 0; i < out.length; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++) out[(y * w + x) * channels + c] = (((x >> 1) ^ (y >> 1)) + c) & 1 ? 255 : 0;
  return out;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("resize vs Pillow 9.4", () => {
  it("has expectations from Pillow 9.4", () => {
    expect(expectations.pillow).toBe("9.4.0");
    expect(expectations.cases.length).toBeGreaterThan(1000);
  });

  for (const filter of Object.keys(Resample)) {
    it(`${filter}: every case bit-identical`, () => {
      const failures: string[] = [];
      const cases = expectations.cases.filter((c) => c.filter === filter);
      expect(cases.length).toBeGreaterThan(100);
      for (const c of cases) {
        const [inW, inH] = c.in;
        const [outW, outH] = c.out;
        const src = makeInput(c.pattern, inW, inH, c.channels, c.seed);
        const got = resize(src, inW, inH, c.channels, outW, outH, c.resample);
        if (sha256(got) !== c.sha256) {
          let detail = "";
          if (c.bytes) {
            const i = c.bytes.findIndex((v, j) => v !== got[j]);
            detail = ` first diff at ${i}: got ${got[i]}, Pillow ${c.bytes[i]}`;
          }
          failures.push(`${inW}x${inH}x${c.channels} -> ${outW}x${outH} ${c.pattern} seed ${c.seed}${detail}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it("checks its arguments", () => {
    expect(() => resize(new Uint8Array(5), 2, 2, 1, 1, 1, Resample.BILINEAR)).toThrow(/5 bytes/);
    expect(() => resize(new Uint8Array(8), 2, 2, 2, 1, 1, Resample.BILINEAR)).toThrow(/channels/);
    expect(() => resize(new Uint8Array(4), 2, 2, 1, 0, 1, Resample.BILINEAR)).toThrow(/output width/);
    expect(() => resize(new Uint8Array(4), 2, 2, 1, 1, 1, 7 as Resample)).toThrow(/filter/);
  });
});
