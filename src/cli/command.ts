// What every subcommand module exports, and the error type for bad command lines.
import { parseArgs } from "node:util";

export interface Command {
  /** Full `--help` text. */
  help: string;
  /** Runs with the arguments after the subcommand name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** A usage error (exit code 2), as opposed to a failure while running (exit code 1). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** node:util parseArgs with usage errors turned into CliError. */
export function parseCommandLine<T extends Options>(
  argv: string[],
  options: T,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new CliError(`missing required option ${flag}`);
  return value;
}
