// The per-blob lock (src/node/file-lock.ts) between processes: with flock(1), and with the pid-file fallback used
// where flock(1) is missing. Each child holds the lock 300 ms and reports when; the intervals must not overlap.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";

const LOCK = new URL("../../dist/node/file-lock.js", import.meta.url).href;
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A process that takes the lock, holds it 300 ms, and prints [start, end] in ms since the epoch. */
async function holder(lock: string, env: NodeJS.ProcessEnv): Promise<[number, number]> {
  const script = `const { acquireLock } = await import(${JSON.stringify(LOCK)});
    const held = await acquireLock(${JSON.stringify(lock)});
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    const end = Date.now();
    await held.release();
    console.log(JSON.stringify([start, end]));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { env });
  return JSON.parse(stdout) as [number, number];
}

describe("two processes, one lock", () => {
  for (const [name, env] of [
    ["flock(1)", process.env],
    ["the pid-file fallback (no flock(1) on PATH)", { ...process.env, PATH: "/nonexistent" }],
  ] as const) {
    test(`${name}: the holds never overlap`, async () => {
      dir = mkdtempSync(join(tmpdir(), "convnext-lock-"));
      const lock = join(dir, ".locks", "models--org--x", "abc.lock");
      const [a, b] = await Promise.all([holder(lock, env), holder(lock, env)]);
      const [first, second] = a[0] <= b[0] ? [a, b] : [b, a];
      expect(second[0]).toBeGreaterThanOrEqual(first[1]);
    });
  }
});
