// A short seeded slice of every fuzz target (tools/fuzz, `npm run fuzz`), so CI notices a regression the long
// recorded runs (docs/RELIABILITY.md) would find: every case must end in success or a clear error naming the
// file, within 5 s and 1 GB. Runs the built library (dist/, built by the global setup).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// Cases per target: the preprocessor's cases resize images (up to 4096 px), the others take about a millisecond.
const SLICE: Record<string, number> = {
  png: 1500,
  jpeg: 1500,
  bmp: 1500,
  gif: 1500,
  safetensors: 1500,
  pickle: 1500,
  zip: 1500,
  h5: 1500,
  config: 800,
  preprocessor: 150,
};

describe("fuzz slice (seed 16)", () => {
  for (const [target, cases] of Object.entries(SLICE)) {
    it(`${target}: ${cases} cases, no finding`, async () => {
      const { stdout } = await promisify(execFile)(
        "node",
        [
          "tools/fuzz/fuzz.mjs",
          "--target",
          target,
          "--cases",
          String(cases),
          "--seed",
          "16",
          "--quiet",
          "--findings",
          "fuzz-findings",
        ],
        { maxBuffer: 1 << 24 },
      ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? String(e) }));
      const summary = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
        cases: number;
        findings: number;
        target: string;
      };
      expect(stdout).not.toMatch(/FINDING/);
      expect(summary).toMatchObject({ target, cases, findings: 0 });
    });
  }
});
