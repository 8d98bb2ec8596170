// What every subcommand module exports, the error type for bad command lines, and the option parsing they
// share: node:util parseArgs, with its errors rewritten the way Unix tools word them (and a did-you-mean).
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

/** How every command documents --model. */
export const MODEL_HELP = "a model directory, or a hub id org/name[@revision] (e.g. facebook/convnext-tiny-224)";

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
    throw new CliError(usageMessage(e as Error & { code?: string }, Object.keys(options ?? {})));
  }
}

function usageMessage(e: Error & { code?: string }, known: string[]): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? "";
  const flag = quoted.split(" ")[0];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const name = flag.replace(/^-+/, "").split("=")[0];
      const guess = closest(name, known);
      return `unknown option ${flag}${guess ? ` (did you mean --${guess}?)` : ""}`;
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return e.message.includes("argument missing")
        ? `option ${flag} needs a value`
        : `option ${flag} does not take a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${flag}" (this command takes only options)`;
    default:
      return e.message;
  }
}

/** The known option nearest to `name` (edit distance, `_` read as `-`), if it is near enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const wanted = name.replace(/_/g, "-").toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(wanted, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  const limit = Math.max(1, Math.floor(Math.max(wanted.length, 3) / 3));
  return bestDistance <= limit || (best !== undefined && best.startsWith(wanted) && wanted.length >= 3)
    ? best
    : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new CliError(`missing required option ${flag}`);
  return value;
}

/** A positive integer option (`fallback` when absent). */
export function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}
