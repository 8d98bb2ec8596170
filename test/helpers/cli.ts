// Running a `convnext` subcommand in-process with its stdout and stderr captured, and the built CLI
// (dist/cli/main.js, built by global-setup.ts) as a child process.
import { spawnSync } from "node:child_process";
import { vi } from "vitest";
import type { Command } from "../../src/cli/command.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(command: Command, argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation(write(out) as typeof process.stdout.write),
    vi.spyOn(process.stderr, "write").mockImplementation(write(err) as typeof process.stderr.write),
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ") + "\n")),
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ") + "\n")),
  ];
  try {
    const code = await command.run(argv);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

export function runCli(argv: string[], options: { input?: Uint8Array | string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(process.execPath, ["dist/cli/main.js", ...argv], {
    input: options.input,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
