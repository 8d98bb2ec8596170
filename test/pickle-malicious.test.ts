// Every hostile pickle (test/fixtures/formats/malicious from the shared generator, and
// test/fixtures/malicious-extra from scripts/make-malicious-extra.mjs) is refused with an error naming the
// offending global, and its payload (`touch /tmp/PWNED-convnext`) never runs.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadPretrained } from "../src/index.js";
import { UnsafePickleError } from "../src/io/pickle.js";
import { readTorchBin } from "../src/io/torch-bin.js";

const PWNED = "/tmp/PWNED-convnext";
const SETS = ["test/fixtures/formats/malicious", "test/fixtures/malicious-extra"];

interface Case {
  dir: string;
  name: string;
  dangerousGlobal: string;
}

function cases(): Case[] {
  return SETS.flatMap((set) => {
    const meta = JSON.parse(readFileSync(`${set}/MALICIOUS.json`, "utf8")) as {
      cases: Record<string, { dangerous_global: string }>;
    };
    const dirs = readdirSync(set, { withFileTypes: true }).filter((e) => e.isDirectory());
    // every directory is described, and every description has its directory
    expect(dirs.map((d) => d.name).sort()).toEqual(Object.keys(meta.cases).sort());
    return dirs.map((d) => ({
      dir: `${set}/${d.name}`,
      name: d.name,
      dangerousGlobal: meta.cases[d.name].dangerous_global,
    }));
  });
}

beforeAll(() => rmSync(PWNED, { force: true }));
afterAll(() => expect(existsSync(PWNED), `${PWNED} exists: a payload ran`).toBe(false));

describe("malicious pytorch_model.bin files are refused", () => {
  const all = cases();
  test("there are 10 cases (7 shared + 3 generated)", () => expect(all.length).toBe(10));

  for (const c of all) {
    test(`${c.name}: refused, naming "${c.dangerousGlobal}"`, async () => {
      const [module, name] = c.dangerousGlobal.split(" ");
      const bins = readdirSync(c.dir)
        .filter((f) => f.endsWith(".bin"))
        .sort();
      const errors: Error[] = [];
      for (const bin of bins) {
        try {
          await readTorchBin(new Uint8Array(readFileSync(`${c.dir}/${bin}`)), `${c.dir}/${bin}`);
        } catch (e) {
          errors.push(e as Error);
        }
      }
      expect(errors.length).toBe(1); // the gadget's file; clean shards load
      const err = errors[0];
      expect(err).toBeInstanceOf(UnsafePickleError);
      expect((err as UnsafePickleError).module).toBe(module);
      expect((err as UnsafePickleError).qualname).toBe(name);
      expect(err.message).toContain(`global "${module}.${name}"`);
      expect(err.message).toContain(c.dir);
      expect(existsSync(PWNED)).toBe(false);
    });

    test(`${c.name}: fromPretrained(dir) refuses it too (format chosen like from_pretrained, every shard read)`, async () => {
      const [module, name] = c.dangerousGlobal.split(" ");
      await expect(loadPretrained(c.dir, { onWarning: () => {} })).rejects.toThrow(`global "${module}.${name}"`);
      expect(existsSync(PWNED)).toBe(false);
    });
  }
});
