// torchvision's ImageFolder layout: DATA/<class>/<image>, classes sorted by name (their index is the label),
// files sorted within each class. Only the formats this package decodes (PNG, JPEG) are taken; other files
// are counted and reported, hidden files and folders are skipped.

import { readdir } from "node:fs/promises";
import { extname, join } from "node:path";

export interface ImageFolder {
  classes: string[];
  samples: Array<{ path: string; label: number }>;
  /** Files that are not PNG or JPEG, ignored. */
  skipped: string[];
}

const EXTENSIONS = new Set([".png", ".jpg", ".jpeg"]);

export async function readImageFolder(root: string): Promise<ImageFolder> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (e) {
    throw new Error(`${root}: cannot read the image folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); // prettier-ignore
  }
  const classes = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  if (classes.length === 0) throw new Error(`${root}: no class folders (expected DATA/<class>/<image>, as torchvision's ImageFolder)`); // prettier-ignore
  const samples: ImageFolder["samples"] = [];
  const skipped: string[] = [];
  for (const [label, name] of classes.entries()) {
    const files = (await readdir(join(root, name), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
    let found = 0;
    for (const f of files) {
      if (EXTENSIONS.has(extname(f).toLowerCase())) {
        samples.push({ path: join(root, name, f), label });
        found++;
      } else skipped.push(join(root, name, f));
    }
    if (found === 0) throw new Error(`${join(root, name)}: class "${name}" has no PNG or JPEG images`);
  }
  return { classes, samples, skipped };
}
