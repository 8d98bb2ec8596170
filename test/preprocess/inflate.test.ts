// inflate.ts against node:zlib's deflate output (an independent implementation) on varied data.
import { deflateRawSync, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { inflate } from "../../src/preprocess/inflate.js";

function sample(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    // Runs and repeats (long matches) mixed with noise (literals).
    out[i] = (s >>> 24) % 7 === 0 ? s >>> 16 : i > 300 ? out[i - 1 - ((s >>> 8) % 300)] : i & 0xff;
  }
  return out;
}

describe("inflate", () => {
  for (const level of [0, 1, 6, 9]) {
    it(`round-trips zlib level ${level} (stored, fixed and dynamic blocks)`, () => {
      for (const n of [0, 1, 100, 70000, 300000]) {
        const data = sample(n, n + level);
        const r = inflate(new Uint8Array(deflateSync(data, { level })), { limit: n });
        expect(r.error).toBeUndefined();
        expect(r.produced).toBe(n);
        expect(r.streamEnd).toBe(true);
        expect(Buffer.compare(r.output.subarray(0, n), data)).toBe(0);
      }
    });
  }

  it("decodes raw DEFLATE and stops at the limit", () => {
    const data = sample(5000, 3);
    const r = inflate(new Uint8Array(deflateRawSync(data)), { limit: 1000, zlib: false });
    expect(r.produced).toBe(1000);
    expect(r.output).toEqual(data.subarray(0, 1000));
  });

  it("reports a wrong Adler-32, a truncated stream and a bad header", () => {
    const z = new Uint8Array(deflateSync(sample(1000, 5)));
    const bad = z.slice();
    bad[bad.length - 1] ^= 1;
    expect(inflate(bad, { limit: 1000 }).error).toBe("incorrect data check");
    const cut = inflate(z.subarray(0, z.length >> 1), { limit: 1000 });
    expect(cut.inputExhausted).toBe(true);
    expect(cut.produced).toBeLessThan(1000);
    expect(inflate(new Uint8Array([0x78, 0x00, 0, 0]), { limit: 10 }).error).toBe("incorrect header check");
  });
});
