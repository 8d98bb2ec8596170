// Shared test utilities: fixture paths, safetensors reading, the parity metric, seeded random data.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseSafetensors, rawToTensor } from "../../src/io/safetensors.js";
import { mulberry32 } from "../../src/ops/drop-path.js";
import type { Tensor } from "../../src/tensor/tensor.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures", import.meta.url));
export const fixture = (...parts: string[]) => join(FIXTURES, ...parts);

export function readTensors(path: string): Map<string, Tensor> {
  const file = parseSafetensors(new Uint8Array(readFileSync(path)), path);
  return new Map([...file.tensors].map(([k, raw]) => [k, rawToTensor(raw)]));
}

/** The parity rule: max|a - e| <= atol + rtol * max|e|, per tensor. Returns max|a-e| / tolerance. */
export function toleranceRatio(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-5,
): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= maxDiff)) maxDiff = d; // NaN propagates as failure
    maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  }
  return maxDiff / (atol + rtol * maxAbs);
}

/** max|a - e| / max|e|: error relative to the tensor's scale. */
export function relativeToMax(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  }
  return maxDiff / (maxAbs || 1);
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}
