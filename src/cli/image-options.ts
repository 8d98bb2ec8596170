// Options shared by the commands that read images, and how their positional arguments become the list of
// inputs: directories expanded (src/node/image-files.ts), then --shard i/n.

import { expandInputs } from "../node/image-files.js";
import { DEFAULT_MAX_PIXELS } from "../preprocess/image.js";
import { CliError, positiveInt } from "./command.js";

export const IMAGE_OPTIONS = {
  "batch-size": { type: "string" },
  "no-exif-transpose": { type: "boolean", default: false },
  "max-pixels": { type: "string" },
  timeout: { type: "string" },
  shard: { type: "string" },
} as const;

export const INPUTS_HELP = `INPUTS are image files (PNG, JPEG, BMP, GIF), directories (every image file under them, recursively,
sorted by path; hidden files skipped), http(s):// and file:// URLs, or - for one image on standard input.`;

export const IMAGE_HELP = `  --batch-size N         images per forward pass (default 8)
  --shard I/N            only every N-th input, starting at the I-th (0 <= I < N): N machines or jobs
                         split one list (e.g. Slurm's $SLURM_ARRAY_TASK_ID, Kubernetes' $JOB_COMPLETION_INDEX)
  --timeout SECONDS      give up on a URL after this long without data (default 10)
  --no-exif-transpose    ignore EXIF orientation (what a bare Image.open gives)
  --max-pixels N         refuse larger images before decoding (default 89478485, Pillow's limit)`;

export function parseMaxPixels(value: string | undefined): number {
  return positiveInt(value, "--max-pixels", DEFAULT_MAX_PIXELS);
}

export interface ImageArgs {
  inputs: string[];
  batchSize: number;
  /** false with --no-exif-transpose; otherwise undefined: what the model's library does (HF: on, timm: off). */
  exifTranspose: false | undefined;
  maxPixels: number;
  timeout: number | undefined;
}

/** "i/n" -> [i, n]. */
export function parseShard(value: string): [number, number] {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const [i, n] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || n < 1 || i >= n) {
    throw new CliError(`--shard must be I/N with 0 <= I < N (e.g. 0/4 ... 3/4), got "${value}"`);
  }
  return [i, n];
}

export async function imageArgs(
  positionals: string[],
  values: {
    "batch-size"?: string;
    "no-exif-transpose"?: boolean;
    "max-pixels"?: string;
    timeout?: string;
    shard?: string;
  },
): Promise<ImageArgs> {
  if (positionals.length === 0) throw new CliError("no images given");
  const batchSize = positiveInt(values["batch-size"], "--batch-size", 8);
  const maxPixels = parseMaxPixels(values["max-pixels"]);
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!(timeout > 0)) throw new CliError(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  }
  const shard = values.shard === undefined ? null : parseShard(values.shard);
  if (positionals.filter((p) => p === "-").length > 1) throw new CliError('"-" (standard input) can be given once');
  let inputs: string[];
  try {
    inputs = await expandInputs(positionals);
  } catch (e) {
    throw new CliError((e as Error).message, 1);
  }
  if (shard) inputs = inputs.filter((_, k) => k % shard[1] === shard[0]);
  return { inputs, batchSize, exifTranspose: values["no-exif-transpose"] ? false : undefined, maxPixels, timeout }; // prettier-ignore
}
