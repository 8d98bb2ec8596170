// Options shared by the image subcommands.

import { DEFAULT_MAX_PIXELS } from "../preprocess/image.js";
import { CliError } from "./command.js";

export function parseMaxPixels(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_PIXELS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--max-pixels must be a positive integer, got "${value}"`);
  return n;
}
