// Command-line inputs -> image sources: a directory stands for the image files under it (recursively, by
// extension, hidden entries skipped, sorted by path so every run and every shard sees the same order);
// files, URLs and "-" pass through as given.

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { describeFsError } from "./files.js";

/**
 * Extensions taken from a directory: what Pillow opens as images. Formats this engine does not decode (WebP,
 * TIFF, ...) are listed too, so each gets an error naming its format instead of being skipped in silence.
 */
export const IMAGE_EXTENSIONS = new Set([
  ".png",
  ".apng",
  ".jpg",
  ".jpeg",
  ".jpe",
  ".jfif",
  ".bmp",
  ".dib",
  ".gif",
  ".webp",
  ".tif",
  ".tiff",
  ".avif",
  ".heic",
  ".heif",
  ".jp2",
  ".j2k",
  ".jxl",
  ".ico",
  ".tga",
  ".ppm",
  ".pgm",
  ".pbm",
  ".pnm",
  ".psd",
]);

export function isImageFileName(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot > 0 && IMAGE_EXTENSIONS.has(name.slice(dot).toLowerCase());
}

function isUrlOrStdin(arg: string): boolean {
  return arg === "-" || /^(https?|file|data):/i.test(arg);
}

/** The image files under `dir`, sorted by path (code-unit order, like `LC_ALL=C sort`). */
export async function imagesInDirectory(dir: string): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>(); // directories by device and inode: symlink loops end here
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path);
    const id = `${info.dev}:${info.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (e) {
      throw new Error(`${path}: ${describeFsError(e)}`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const child = join(path, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(child).catch(() => null); // a dangling link is no image
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir) await walk(child);
      else if (isFile && isImageFileName(entry.name)) found.push(child);
    }
  };
  await walk(dir);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Each argument in order: a directory becomes its image files (none is an error); anything else (a file, a
 * URL, "-") stays, and a missing file stays too so that it fails as its own result.
 */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (!isUrlOrStdin(arg)) {
      const info = await stat(arg).catch(() => null);
      if (info?.isDirectory()) {
        const files = await imagesInDirectory(arg);
        if (files.length === 0) throw new Error(`${arg}: no image files in this directory`);
        out.push(...files);
        continue;
      }
    }
    out.push(arg);
  }
  return out;
}
