// How far jpeg-js (the interim JPEG decoder of issue 3) is from Pillow 9.4 / libjpeg-turbo 2.1.5 on every JPEG
// in test/fixtures/images that Pillow decodes: identical files, max and mean |level difference| of convert("RGB").
// Usage (needs Debian's python3-pil for the reference arrays): node bench/jpeg-js-vs-pillow.mjs

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import jpeg from "jpeg-js";

const images = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "images");
const pil = JSON.parse(readFileSync(join(images, "pil-decoded.json"), "utf8"));
const files = pil.files.filter((f) => !f.error && f.format === "JPEG").map((f) => f.path);

// Pillow's convert("RGB") of each file, raw bytes, written by one Python process.
const out = mkdtempSync(join(tmpdir(), "pil-rgb-"));
const py = `
import sys, os
from PIL import Image
root, out = sys.argv[1], sys.argv[2]
for i, line in enumerate(sys.stdin.read().splitlines()):
    im = Image.open(os.path.join(root, line)); im.load()
    open(os.path.join(out, str(i)), "wb").write(im.convert("RGB").tobytes())
`;
execFileSync("/usr/bin/python3", ["-c", py, images, out], { input: files.join("\n"), maxBuffer: 1 << 30 });

let identical = 0;
let failed = 0;
let maxDiff = 0;
let sumDiff = 0;
let count = 0;
const perFileMax = [];
files.forEach((path, i) => {
  const want = new Uint8Array(readFileSync(join(out, String(i))));
  let got;
  try {
    got = jpeg.decode(readFileSync(join(images, path)), {
      useTArray: true,
      formatAsRGBA: false,
      maxMemoryUsageInMB: 4096,
      maxResolutionInMP: 200,
    }).data;
  } catch {
    failed++;
    return;
  }
  if (got.length !== want.length) {
    failed++;
    return;
  }
  let fileMax = 0;
  for (let j = 0; j < want.length; j++) {
    const d = Math.abs(got[j] - want[j]);
    if (d > fileMax) fileMax = d;
    sumDiff += d;
  }
  count += want.length;
  if (fileMax === 0) identical++;
  maxDiff = Math.max(maxDiff, fileMax);
  perFileMax.push(fileMax);
});
rmSync(out, { recursive: true, force: true });
perFileMax.sort((a, b) => a - b);
const decoded = files.length - failed;
console.log(`JPEG files Pillow decodes: ${files.length}`);
console.log(`jpeg-js fails on: ${failed}`);
console.log(`jpeg-js decodes: ${decoded}, identical to Pillow: ${identical}`);
console.log(`max |level difference| over all decoded files: ${maxDiff}`);
console.log(`mean |level difference| over all ${count} samples: ${(sumDiff / count).toFixed(4)}`);
console.log(`median of per-file max |difference|: ${perFileMax[Math.floor(perFileMax.length / 2)]}`);
