// Image decoding of small files that ask for a lot of work or memory: bounded by the image size, with one
// clear error naming the file (issue 16).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../src/preprocess/decode.js";
import { fixture } from "../helpers/helpers.js";

/** The file with its last scan (SOS up to EOI) repeated `times` more times. */
function repeatLastScan(jpeg: Uint8Array, times: number): Uint8Array {
  const eoi = jpeg.length - 2;
  let sos = eoi;
  while (!(jpeg[sos] === 0xff && jpeg[sos + 1] === 0xda)) sos--;
  const scan = jpeg.subarray(sos, eoi);
  const out = new Uint8Array(jpeg.length + times * scan.length);
  out.set(jpeg.subarray(0, eoi));
  for (let i = 0; i < times; i++) out.set(scan, eoi + i * scan.length);
  out.set([0xff, 0xd9], out.length - 2);
  return out;
}

describe("JPEG", () => {
  // 2048x2048 grey, progressive (Pillow 9.4: Image.new("L", (2048, 2048), 128).save(f, progressive=True, quality=75))
  const blank = new Uint8Array(readFileSync(fixture("hostile", "blank-2048-progressive.jpg")));

  it("the untouched file decodes", () => {
    const image = decodeImage(blank, { source: "blank.jpg" });
    expect([image.width, image.height, image.mode, image.data[12345]]).toEqual([2048, 2048, "L", 128]);
  });

  it("one scan repeated 5,000 times (170 KB) is refused in well under a second, not decoded for a minute", () => {
    const hostile = repeatLastScan(blank, 5_000);
    expect(hostile.length).toBeLessThan(200_000);
    const started = performance.now();
    expect(() => decodeImage(hostile, { source: "scans.jpg" })).toThrow(
      /^scans\.jpg: its \d+ scans would visit every coefficient more than 16 times/,
    );
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
