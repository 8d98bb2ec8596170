// An exclusive lock per cache blob, the one Python's huggingface_hub takes: `filelock.FileLock` on
// `<cache>/.locks/models--org--name/<etag>.lock`, which on Linux and macOS is flock(2) on that file. Node has no
// flock without a native addon, so the lock is held by a child process: flock(1) (util-linux) locks the file and
// runs `cat`, which waits on a pipe from us. Closing the pipe (release, or this process dying in any way) ends
// `cat`, and the kernel drops the lock. Python processes and other Node processes exclude each other.
// Where flock(1) is missing, an exclusive-create lock file `<etag>.lock.pid` (holding the owner's pid, taken
// over when that process is gone) excludes Node processes from each other only.

import { spawn } from "node:child_process";
import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

export interface HeldLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Give up after this long (default: wait as long as the holder lives, like huggingface_hub). */
  timeoutMs?: number;
  /** Called once when the lock is busy, so the caller can say what it waits for. */
  onWait?: () => void;
}

let flockMissing = false;

/** Takes the lock on `path` (creating its directory); resolves once held. */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  await mkdir(dirname(path), { recursive: true });
  if (!flockMissing) {
    const held = await flockLock(path, options);
    if (held) return held;
    flockMissing = true;
  }
  return pidFileLock(`${path}.pid`, options);
}

/** flock(1) holding `path` while `cat` reads our pipe; null when there is no flock(1). */
function flockLock(path: string, options: LockOptions): Promise<HeldLock | null> {
  return new Promise((resolve, reject) => {
    const child = spawn("flock", ["--exclusive", path, "sh", "-c", "echo locked; exec cat >/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let settled = false;
    let stderr = "";
    const waiting = setTimeout(() => options.onWait?.(), 200);
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => fail(new Error(`${path}: still locked by another process after ${options.timeoutMs} ms`)),
            options.timeoutMs,
          );
    const done = () => {
      settled = true;
      clearTimeout(waiting);
      clearTimeout(timeout);
    };
    const fail = (e: Error) => {
      if (settled) return;
      done();
      child.kill();
      reject(e);
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (settled) return;
      done();
      if (e.code === "ENOENT") resolve(null);
      else reject(new Error(`${path}: cannot lock (${e.message})`));
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d: Buffer) => {
      if (settled || !d.toString().includes("locked")) return;
      done();
      child.unref(); // the lock never keeps the process alive; its end releases it
      (child.stdout as unknown as { unref?: () => void }).unref?.();
      resolve({
        release: () =>
          new Promise<void>((ok) => {
            if (child.exitCode !== null) return ok();
            child.ref(); // wait for the release to happen before this process may exit
            child.once("exit", () => ok());
            child.stdin.end();
          }),
      });
    });
    child.on("exit", (code) => {
      if (!settled) fail(new Error(`${path}: cannot lock (flock exited with ${code}: ${stderr.trim()})`));
    });
  });
}

/** The fallback: O_EXCL creation of `path` with our pid in it; a lock whose process is gone is taken over. */
async function pidFileLock(path: string, options: LockOptions): Promise<HeldLock> {
  const started = Date.now();
  let warned = false;
  for (;;) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST")
        throw new Error(`${path}: cannot lock (${(e as Error).message})`);
    }
    const owner = Number(await readFile(path, "utf8").catch(() => ""));
    const valid = Number.isInteger(owner) && owner > 0;
    // taken over when its process is gone, or when it never got a pid written (a crash right after creating it)
    const age = Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now());
    if ((valid && !alive(owner)) || (!valid && age > 10_000)) {
      await rm(path, { force: true });
      continue;
    }
    if (!warned) {
      warned = true;
      options.onWait?.();
    }
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs)
      throw new Error(`${path}: still locked by process ${owner} after ${options.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
