// `convnext decode`: image files -> DIR/<name>.npy holding the uint8 HxWx3 array transformers' load_image gives.

import { mkdir } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { writeFileAtomic } from "../node/files.js";
import { serializeNpy } from "../io/npy.js";
import { expandInputs } from "../node/image-files.js";
import { loadSource } from "../pipelines/image-source.js";
import { CliError, parseCommandLine, requireOption, type Command } from "./command.js";
import { INPUTS_HELP, parseMaxPixels } from "./image-options.js";

const help = `usage: convnext decode INPUTS... --output DIR [options]

Decodes each image like transformers.image_utils.load_image (EXIF orientation, then convert("RGB"))
and writes DIR/<file name without extension>.npy: uint8 [height, width, 3], np.load-able (stdin.npy for -).
A file that fails is reported and the others are still written; the exit code is 1 if any failed.

${INPUTS_HELP}

  --output DIR           directory to write into (created if missing)
  --no-exif-transpose    keep the stored orientation (what a bare Image.open gives)
  --max-pixels N         refuse larger images before decoding (default 89478485, Pillow's limit)`;

/** The .npy's name: the file's (or URL path's) base name without extension; "stdin" for -. */
function outputName(input: string): string {
  if (input === "-") return "stdin";
  const path = /^[a-z]+:\/\//i.test(input) ? decodeURIComponent(new URL(input).pathname) : input;
  return basename(path, extname(path)) || "image";
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      output: { type: "string" },
      "no-exif-transpose": { type: "boolean", default: false },
      "max-pixels": { type: "string" },
    },
    true,
  );
  const outDir = requireOption(values.output, "--output");
  if (positionals.length === 0) throw new CliError("no images given");
  const maxPixels = parseMaxPixels(values["max-pixels"]);
  const inputs = await expandInputs(positionals);
  const names = inputs.map(outputName);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new CliError(`two inputs would both write ${dup}.npy; decode them separately`);
  await mkdir(outDir, { recursive: true });
  let failures = 0;
  for (const [i, path] of inputs.entries()) {
    try {
      const img = await loadSource(path, path, { exifTranspose: !values["no-exif-transpose"], maxPixels });
      const target = join(outDir, `${names[i]}.npy`);
      await writeFileAtomic(
        target,
        serializeNpy({ dtype: "uint8", data: img.data, shape: [img.height, img.width, 3] }),
      );
      console.log(`${path} -> ${target} (${img.height}x${img.width}x3)`);
    } catch (e) {
      failures++;
      console.error(`error: ${(e as Error).message}`);
    }
  }
  return failures ? 1 : 0;
}

const command: Command = { help, run };
export default command;
