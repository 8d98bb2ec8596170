// Every hostile pickle (test/fixtures/formats/malicious from the shared generator, and the cases of
// test/helpers/malicious-extra.ts, written to a temporary directory) is refused with an error naming the
// offending global, and its payload (`touch /tmp/PWNED-convnext`) never runs.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadPretrained } from "../../src/index.js";
import { UnsafePickleError } from "../../src/io/pickle.js";
import { readTorchBin } from "../../src/io/torch-bin.js";
import { maliciousExtraCases } from "../helpers/malicious-extra.js";

const PWNED = "/tmp/PWNED-convnext";
const SHARED = "test/fixtures/formats/malicious";

interface Case {
  dir: string;
  name: string;
  dangerousGlobal: string;
}

function sharedCases(): Case[] {
  const meta = JSON.parse(readFileSync(`${SHARED}/MALICIOUS.json`, "utf8")) as {
    cases: Record<string, { dangerous_global: string }>;
  };
  const dirs = readdirSync(SHARED, { withFileTypes: true }).filter((e) => e.isDirectory());
  // every directory is described, and every description has its directory
  expect(dirs.map((d) => d.name).sort()).toEqual(Object.keys(meta.cases).sort());
  return dirs.map((d) => ({
    dir: `${SHARED}/${d.name}`,
    name: d.name,
    dangerousGlobal: meta.cases[d.name].dangerous_global,
  }));
}

/** The generated cases as model directories (with a shared case's config.json). */
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function extraCases(): Case[] {
  const root = mkdtempSync(join(tmpdir(), "convnext-malicious-"));
  roots.push(root);
  return maliciousExtraCases().map(({ name, dangerousGlobal, files }) => {
    const dir = join(root, name);
    mkdirSync(dir);
    copyFileSync(`${SHARED}/reduce-posix-system/config.json`, join(dir, "config.json"));
    for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
    return { dir, name, dangerousGlobal };
  });
}

function cases(): Case[] {
  return [...sharedCases(), ...extraCases()];
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
