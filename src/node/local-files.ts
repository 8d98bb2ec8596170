// ModelFiles over a local directory (Node).

import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelFiles } from "../pretrained/model-files.js";
import { describeFsError } from "./files.js";

export function directoryFiles(dir: string): ModelFiles {
  const failed = (file: string, e: unknown): null => {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`${join(dir, file)}: ${describeFsError(e)}`);
  };
  return {
    name: dir,
    describe: (file) => join(dir, file),
    read: async (file) => {
      try {
        const buf = await readFile(join(dir, file));
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (e) {
        return failed(file, e);
      }
    },
    readInto: async (file, allocate) => {
      try {
        return await readFileInto(join(dir, file), allocate);
      } catch (e) {
        return failed(file, e);
      }
    },
  };
}

/** A whole file read into the bytes `allocate(size)` returns (ModelFiles.readInto). */
export async function readFileInto(path: string, allocate: (bytes: number) => Uint8Array): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const out = allocate(size);
    for (let at = 0; at < size;) {
      const { bytesRead } = await handle.read(out, at, size - at, at);
      if (bytesRead === 0) throw new Error("the file shrank while being read");
      at += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}
