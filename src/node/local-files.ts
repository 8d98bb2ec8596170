// ModelFiles over a local directory (Node).

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelFiles } from "../pretrained/model-files.js";
import { describeFsError } from "./files.js";

export function directoryFiles(dir: string): ModelFiles {
  return {
    name: dir,
    describe: (file) => join(dir, file),
    read: async (file) => {
      try {
        const buf = await readFile(join(dir, file));
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return null;
        throw new Error(`${join(dir, file)}: ${describeFsError(e)}`);
      }
    },
  };
}
