// File-system helpers at the edge (Node only): whole-file reads with the path in every error,
// and atomic writes, so a failed command never leaves a partial output file behind.

import { readFile, rename, rm, writeFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** A file's bytes; errors start with `name` (default the path) and say what is wrong in words. */
export async function readBytes(path: string, name = path): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new Error(`${name}: ${describeFsError(e)}`);
  }
}

const FS_ERRORS: Record<string, string> = {
  EISDIR: "is a directory",
  ENOTDIR: "a component of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
};

/** "no such file" rather than "(ENOENT)": the words for a file-system error code. */
export function describeFsError(e: unknown, doing: "read" | "write" = "read"): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ENOENT") return doing === "read" ? "no such file" : "no such directory";
  const words = err.code ? FS_ERRORS[err.code] : undefined;
  if (words) return words;
  return doing === "read" ? `cannot read (${err.code ?? err.message})` : (err.code ?? err.message);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes to a temporary file beside `path`, then renames it into place. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new Error(`${path}: cannot write (${describeFsError(e, "write")})`);
  }
}
