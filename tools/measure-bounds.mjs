#!/usr/bin/env node
// Time and peak memory (VmHWM) of one hostile input, each in a fresh process, against the library built in a
// checkout: `node tools/measure-bounds.mjs [checkout, default .] [case ...]`. The numbers in docs/RELIABILITY.md
// come from here (run once on this branch and once on a checkout of the commit before the fixes).
// Cases: png16 (a 4000x4000 16-bit RGBA PNG), jpeg-scans (a 2048x2048 progressive JPEG repeating its last scan
// 5,000 times), jpeg-dims (a 637-byte JPEG whose SOF says 65500x1365, decoded to RGB as Pillow would), h5-bomb (test/fixtures/hostile/h5/bomb.h5), zip-bomb (a record of 400 MB of zeros, deflated to ~400 KB).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { crc32, deflateRawSync, deflateSync } from "node:zlib";

const checkout = resolve(process.argv[2] ?? ".");
const here = resolve(new URL("..", import.meta.url).pathname);
const only = process.argv.slice(3);
const dir = mkdtempSync(join(tmpdir(), "convnext-bounds-"));


function png16(path) {
  const [w, h] = [4000, 4000];
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    Buffer.from(data).copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([16, 6, 0, 0, 0], 8);
  const idat = deflateSync(Buffer.alloc(h * (1 + w * 8)), { level: 1 });
  writeFileSync(path, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", Buffer.alloc(0))]));
}

function jpegScans(path) {
  const jpeg = readFileSync(join(here, "test/fixtures/hostile/blank-2048-progressive.jpg"));
  const eoi = jpeg.length - 2;
  let sos = eoi;
  while (!(jpeg[sos] === 0xff && jpeg[sos + 1] === 0xda)) sos--;
  const scan = jpeg.subarray(sos, eoi);
  writeFileSync(path, Buffer.concat([jpeg.subarray(0, eoi), ...Array(5000).fill(scan), Buffer.from([0xff, 0xd9])]));
}

function zipBomb(path) {
  // one stored data.pkl naming a 100M-float storage, and that storage: 400 MB of zeros, deflated
  const u32 = (n) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
  const str = (s) => [0x58, ...u32(s.length), ...Buffer.from(s)];
  const int = (n) => [0x4a, ...u32(n)];
  const n = 100_000_000;
  const pkl = Buffer.from([0x80, 2, 0x7d, 0x28, ...str("w"), ...Buffer.from("ctorch._utils\n_rebuild_tensor_v2\n"), 0x28, 0x28, ...str("storage"), ...Buffer.from("ctorch\nFloatStorage\n"), ...str("0"), ...str("cpu"), ...int(n), 0x74, 0x51, ...int(0), 0x28, ...int(n), 0x74, 0x28, ...int(1), 0x74, 0x89, ...Buffer.from("ccollections\nOrderedDict\n"), 0x29, 0x52, 0x74, 0x52, 0x75, 0x2e]);
  const zeros = Buffer.alloc(400_000_000);
  const entries = [["archive/data.pkl", pkl, pkl, 0, pkl.length], ["archive/data/0", deflateRawSync(zeros), zeros, 8, 400_000_000]];
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, stored, plain, method, size] of entries) {
    const sizes = [...u32(crc32(plain)), ...u32(stored.length), ...u32(size), name.length, 0];
    const local = Buffer.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0, method, 0, 0, 0, 0, 0, ...sizes, 0, 0, ...Buffer.from(name)]);
    central.push(...[0x50, 0x4b, 1, 2, 20, 0, 20, 0, 0, 0, method, 0, 0, 0, 0, 0, ...sizes, ...new Array(12).fill(0), ...u32(offset), ...Buffer.from(name)]);
    parts.push(local, stored);
    offset += local.length + stored.length;
  }
  const eocd = [0x50, 0x4b, 5, 6, 0, 0, 0, 0, 2, 0, 2, 0, ...u32(central.length), ...u32(offset), 0, 0];
  writeFileSync(path, Buffer.concat([...parts, Buffer.from(central), Buffer.from(eocd)]));
}

const CASES = {
  png16: { make: png16, run: `(await import(D + "/preprocess/decode.js")).decodeImage(bytes, { source: F })` },
  "jpeg-scans": { make: jpegScans, run: `(await import(D + "/preprocess/decode.js")).decodeImage(bytes, { source: F })` },
  "jpeg-dims": {
    file: join(here, "test/fixtures/hostile/huge-dims-65500x1365.jpg"),
    run: `(await import(D + "/preprocess/load-image.js")).decodeToRgb(bytes, { source: F })`,
  },
  "h5-bomb": { file: join(here, "test/fixtures/hostile/h5/bomb.h5"), run: `await (await import(D + "/io/tf-h5.js")).readTfH5(bytes, F)` },
  "zip-bomb": { make: zipBomb, run: `await (await import(D + "/io/torch-bin.js")).readTorchBin(bytes, F)` },
};

for (const [name, c] of Object.entries(CASES)) {
  if (only.length && !only.includes(name)) continue;
  const file = c.file ?? join(dir, name);
  if (c.make) c.make(file);
  const script = `import { readFileSync } from "node:fs";
    const D = ${JSON.stringify(join(checkout, "dist"))}, F = ${JSON.stringify(file)};
    const bytes = new Uint8Array(readFileSync(F));
    const t = performance.now(); let outcome = "ok";
    try { ${c.run}; } catch (e) { outcome = "error: " + e.message.slice(0, 120); }
    const peak = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
    console.log(JSON.stringify({ seconds: +((performance.now() - t) / 1000).toFixed(2), peakMb: Math.round(peak / 1024), outcome }));`;
  let result;
  try {
    result = execFileSync("node", ["--input-type=module", "-e", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 }).trim();
  } catch (e) {
    result = JSON.stringify({ crashed: `exit ${e.status} signal ${e.signal}`, stderr: String(e.stderr).trim().split("\n")[0].slice(0, 120) });
  }
  console.log(`${name}\t${(readFileSync(file).length / 1024).toFixed(0)} KB\t${result}`);
}
