// The Hugging Face hub cache, laid out exactly as Python's huggingface_hub does, so either can fill it
// and both can read it:
//   <cache>/models--<org>--<name>/blobs/<etag>                 file contents, named by ETag
//                                /snapshots/<commit>/<file>    relative symlinks into ../../blobs
//                                /refs/<revision>              the commit a branch or tag pointed to
//                                /.no_exist/<commit>/<file>    files known to be absent at that commit
// <cache> = HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.

import { mkdir, readFile, rename, rm, stat, symlink, writeFile, copyFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { COMMIT_HASH, DEFAULT_ENDPOINT, normalizeEndpoint } from "../pretrained/hub-reference.js";

export { COMMIT_HASH };

/** Environment as huggingface_hub reads it, evaluated at call time (tests change it per test). */
export function hubEnvironment(env: NodeJS.ProcessEnv = process.env) {
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface");
  return {
    cacheDir: env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(home, "hub"),
    offline: isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE),
    endpoint: normalizeEndpoint(env.HF_ENDPOINT || DEFAULT_ENDPOINT),
    token: env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined,
    tokenPath: env.HF_TOKEN_PATH || join(home, "token"),
    disableProgress: isTrue(env.HF_HUB_DISABLE_PROGRESS_BARS),
  };
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ["1", "ON", "YES", "TRUE"].includes(v.toUpperCase());
}

/** `org/name` -> `models--org--name`. */
export function repoFolderName(repoId: string): string {
  return ["models", ...repoId.split("/")].join("--");
}

/** Refuses names that could leave the cache directory (they come from users and from servers). */
export function checkRelativeName(name: string, what: string): void {
  const parts = name.split("/");
  if (
    name === "" ||
    name.startsWith("/") ||
    name.includes("\\") ||
    name.includes("\0") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    throw new Error(`invalid ${what} ${JSON.stringify(name)}`);
  }
}

export class RepoCache {
  readonly root: string;
  constructor(
    readonly cacheDir: string,
    readonly repoId: string,
  ) {
    this.root = join(cacheDir, repoFolderName(repoId));
  }

  blobPath(etag: string): string {
    checkRelativeName(etag, "ETag");
    if (etag.includes("/")) throw new Error(`invalid ETag ${JSON.stringify(etag)}`);
    return join(this.root, "blobs", etag);
  }

  /** huggingface_hub's lock for a blob: `<cache>/.locks/models--org--name/<etag>.lock` (file-lock.ts). */
  lockPath(etag: string): string {
    this.blobPath(etag); // the same checks
    return join(this.cacheDir, ".locks", repoFolderName(this.repoId), `${etag}.lock`);
  }

  snapshotDir(commit: string): string {
    if (!COMMIT_HASH.test(commit)) throw new Error(`invalid commit hash ${JSON.stringify(commit)}`);
    return join(this.root, "snapshots", commit);
  }

  snapshotPath(commit: string, file: string): string {
    checkRelativeName(file, "file name");
    return join(this.snapshotDir(commit), ...file.split("/"));
  }

  /** The commit `revision` resolves to from the cache alone (refs/<revision>, or the hash itself). */
  async commitFor(revision: string): Promise<string | null> {
    if (COMMIT_HASH.test(revision)) return revision;
    checkRelativeName(revision, "revision");
    try {
      const commit = (await readFile(join(this.root, "refs", ...revision.split("/")), "utf8")).trim();
      return COMMIT_HASH.test(commit) ? commit : null;
    } catch {
      return null;
    }
  }

  /** Records that `revision` (a branch or tag) points to `commit`; written atomically. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    checkRelativeName(revision, "revision");
    const path = join(this.root, "refs", ...revision.split("/"));
    try {
      if ((await readFile(path, "utf8")) === commit) return;
    } catch {
      // absent: write it
    }
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    try {
      await writeFile(tmp, commit);
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** The cached file for (commit, file), or null. */
  async cachedFile(commit: string, file: string): Promise<string | null> {
    const path = this.snapshotPath(commit, file);
    try {
      const s = await stat(path); // follows the symlink: a dangling link is not a cached file
      return s.isFile() ? path : null;
    } catch {
      return null;
    }
  }

  noExistPath(commit: string, file: string): string {
    checkRelativeName(file, "file name");
    if (!COMMIT_HASH.test(commit)) throw new Error(`invalid commit hash ${JSON.stringify(commit)}`);
    return join(this.root, ".no_exist", commit, ...file.split("/"));
  }

  async knownAbsent(commit: string, file: string): Promise<boolean> {
    try {
      await stat(this.noExistPath(commit, file));
      return true;
    } catch {
      return false;
    }
  }

  /** Best effort, like huggingface_hub: a read-only cache still works without the marker. */
  async markAbsent(commit: string, file: string): Promise<void> {
    try {
      const path = this.noExistPath(commit, file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, "");
    } catch {
      // ignore
    }
  }

  /**
   * snapshots/<commit>/<file> -> a relative symlink to blobs/<etag> (a copy where symlinks fail), made beside it
   * and renamed into place, so a reader (or another process) never sees the entry missing or half made.
   */
  async linkSnapshot(commit: string, file: string, etag: string): Promise<string> {
    const pointer = this.snapshotPath(commit, file);
    const blob = this.blobPath(etag);
    await mkdir(dirname(pointer), { recursive: true });
    const tmp = `${pointer}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      try {
        await symlink(relative(dirname(pointer), blob), tmp);
      } catch {
        await copyFile(blob, tmp);
      }
      await rename(tmp, pointer);
    } finally {
      await rm(tmp, { force: true });
    }
    return pointer;
  }
}
