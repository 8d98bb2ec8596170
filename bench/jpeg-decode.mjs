// Decode time (median of N runs) and peak RSS of the Pillow-exact JPEG decoder vs jpeg-js on the largest photos.
// Usage: npm run build && node bench/jpeg-decode.mjs [runs]
// Each (decoder, file) pair runs in a fresh child process so its peak RSS is its own; one warm-up run first.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const images = join(here, "..", "test", "fixtures", "images");
const FILES = [
  "photos/lomiri/Kleiber_by_Lukas_Baubkus.jpg",
  "jpeg/jpeg-js/black-6000x6000.jpg",
  "photos/lomiri/Fossa_by_Jasper_Roks.jpg",
  "photos/darknet/kite.jpg",
  "jpeg/jpeg-js/skater-progressive.jpg",
];

async function child(decoderName, file, runs) {
  const bytes = new Uint8Array(readFileSync(join(images, file)));
  let decode;
  if (decoderName === "convnext") {
    const { decodeJpeg } = await import("../dist/preprocess/jpeg/index.js");
    decode = () => decodeJpeg(bytes, { source: file });
  } else {
    const jpeg = (await import("jpeg-js")).default;
    decode = () =>
      jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 4096, maxResolutionInMP: 200 });
  }
  const times = [];
  let image = decode(); // warm-up: JIT compilation is not decode time
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    image = decode();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const result = {
    width: image.width,
    height: image.height,
    medianMs: times[Math.floor(times.length / 2)],
    minMs: times[0],
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result));
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4], Number(process.argv[5]));
} else {
  const runs = Number(process.argv[2] ?? 5);
  console.log(`| file | size | decoder | median ms | min ms | peak RSS MB |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const file of FILES) {
    for (const decoder of ["convnext", "jpeg-js"]) {
      const out = execFileSync(process.execPath, [
        fileURLToPath(import.meta.url),
        "--child",
        decoder,
        file,
        String(runs),
      ]);
      const r = JSON.parse(out.toString());
      const mp = ((r.width * r.height) / 1e6).toFixed(1);
      console.log(
        `| ${file} | ${r.width}x${r.height} (${mp} MP) | ${decoder} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)} | ${r.peakRssMB.toFixed(0)} |`,
      );
    }
  }
}
