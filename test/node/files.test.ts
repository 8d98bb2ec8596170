// File errors in words: "no such file" rather than "(ENOENT)", for reads and writes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBytes, writeFileAtomic } from "../../src/node/files.js";

const tmp = mkdtempSync(join(tmpdir(), "convnext-files-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("file errors", () => {
  it("name the file and say what is wrong", async () => {
    await expect(readBytes(join(tmp, "missing.png"))).rejects.toThrow(`${join(tmp, "missing.png")}: no such file`);
    await expect(readBytes(tmp)).rejects.toThrow(`${tmp}: is a directory`);
    await expect(writeFileAtomic(join(tmp, "no", "dir", "out.npy"), "x")).rejects.toThrow(
      `${join(tmp, "no", "dir", "out.npy")}: cannot write (no such directory)`,
    );
  });
});
