// Every fuzz finding, kept: test/fixtures/hostile/fuzz/<target>/<file> replayed through its target in a fresh
// process (`npm run fuzz -- --target T --replay FILE`) must end in success or a clear error naming the file, quickly.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { fixture } from "../helpers/helpers.js";

const DIR = fixture("hostile", "fuzz");

describe("fuzz findings stay fixed", () => {
  for (const target of readdirSync(DIR).filter((t) => !t.endsWith(".md"))) {
    for (const file of readdirSync(join(DIR, target)).filter((f) => !f.endsWith(".md"))) {
      it(`${target}/${file}`, async () => {
        const started = Date.now();
        const { stdout } = await promisify(execFile)(
          "node",
          ["tools/fuzz/fuzz.mjs", "--target", target, "--replay", join(DIR, target, file)],
          { timeout: 20_000 },
        );
        const result = JSON.parse(stdout) as { outcome: string };
        expect(result.outcome).not.toBe("finding");
        expect(Date.now() - started).toBeLessThan(20_000);
      });
    }
  }
});
