// Image decoding of small files that ask for a lot of work or memory: bounded by the image size, with one
// clear error naming the file (issue 16).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../src/preprocess/decode.js";
import { fixture } from "../helpers/helpers.js";
import { pngFile as png } from "../../src/node/png-encode.js";

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

describe("PNG", () => {
  /** A 16-bit RGBA PNG of `width` x `height` zero pixels (8 bytes a pixel in the file's raw stream). */
  const rgba16 = (width: number, height: number) =>
    png(
      { width, height, depth: 16, colour: 6 },
      new Uint8Array(deflateSync(new Uint8Array(height * (1 + width * 8)), { level: 1 })),
    );

  it("a 16-bit RGBA image is converted row by row: peak memory ~ its 8-bit pixels, not its 16-bit stream", async () => {
    // 4000 x 4000: the raw stream is 128 MB, the decoded RGBA 64 MB
    const dir = mkdtempSync(join(tmpdir(), "convnext-png-"));
    const path = join(dir, "big16.png");
    writeFileSync(path, rgba16(4000, 4000));
    const script = `import { readFileSync } from "node:fs";
      const { decodeImage } = await import(${JSON.stringify(new URL("../../dist/preprocess/decode.js", import.meta.url).href)});
      const base = Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
      const image = decodeImage(new Uint8Array(readFileSync(${JSON.stringify(path)})), { source: "big16.png" });
      const peak = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
      console.log(JSON.stringify({ mode: image.mode, length: image.data.length, growthMb: (peak - base) / 1024 }));`;
    try {
      const { stdout } = await promisify(execFile)("node", ["--input-type=module", "-e", script]);
      const result = JSON.parse(stdout) as { mode: string; length: number; growthMb: number };
      expect(result.mode).toBe("RGBA");
      expect(result.length).toBe(4000 * 4000 * 4);
      // 64 MB of pixels + the file; the whole raw stream would add 128 MB more
      expect(result.growthMb).toBeLessThan(110);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
