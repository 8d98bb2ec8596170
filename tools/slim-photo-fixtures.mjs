#!/usr/bin/env node
// Shrinks test/fixtures/preprocess-photos/*/expected.safetensors (copied from shared/fixtures) to the tensors
// the tests read: `pixel_values/*` and `lut/*`, bytes unchanged. The dropped `resized/*` and `batch/*` arrays
// are checked through their sha256 in index.json, which stays as shipped. Run after `npm run build`:
//   node tools/slim-photo-fixtures.mjs [SHARED_FIXTURES_DIR]   (default ../shared/fixtures)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseSafetensors, rawToTensor, serializeSafetensors } from "../dist/core.js";

const shared = process.argv[2] ?? "../shared/fixtures";
for (const config of ["config-224-bicubic", "config-384-bilinear"]) {
  const source = join(shared, "preprocess-photos", config, "expected.safetensors");
  const file = parseSafetensors(new Uint8Array(readFileSync(source)), source);
  const kept = [...file.tensors].filter(([key]) => key.startsWith("pixel_values/") || key.startsWith("lut/"));
  for (const [key, raw] of kept) if (raw.dtype !== "F32") throw new Error(`${key}: expected F32, got ${raw.dtype}`);
  const metadata = {
    ...file.metadata,
    slimmed: "kept pixel_values/* and lut/*; resized/* and batch/* are in index.json as sha256",
  };
  const out = join("test/fixtures/preprocess-photos", config, "expected.safetensors");
  writeFileSync(
    out,
    serializeSafetensors(
      kept.map(([key, raw]) => [key, rawToTensor(raw)]),
      metadata,
    ),
  );
  console.log(`${out}: ${kept.length} of ${file.tensors.size} tensors`);
}
