// `convnext classify`: top-k labels for image files, like the HF image-classification pipeline.

import { ImageClassifier, type ClassificationResult } from "../pipelines/image-classification.js";
import { CliError, parseCommandLine, requireOption, type Command } from "./command.js";
import { parseMaxPixels } from "./image-options.js";

const help = `usage: convnext classify --model DIR IMG... [options]

Loads each image like transformers' load_image, preprocesses it with the model's
preprocessor_config.json (ConvNextImageProcessor) and prints the top-k labels of config.json's
id2label with softmax probabilities. A file that fails is reported (naming it) and the others
are still classified; the exit code is 1 if any image failed.

  --model DIR            model directory (config.json, weights, preprocessor_config.json) or hub id
  --top-k N              labels per image (default 5)
  --batch-size N         images per forward pass (default 8)
  --json                 print one JSON array: [{"file", "predictions": [{"label", "index", "score"}]} | {"file", "error"}]
  --no-exif-transpose    ignore EXIF orientation
  --max-pixels N         refuse larger images before decoding (default 89478485, Pillow's limit)`;

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

function formatText(r: ClassificationResult): string {
  if (r.error) return `${r.file}\n  error: ${r.error}`;
  const lines = r.predictions!.map((p) => `  ${p.score.toFixed(4)}  ${p.label}`);
  return [r.file, ...lines].join("\n");
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      model: { type: "string" },
      "top-k": { type: "string" },
      "batch-size": { type: "string" },
      json: { type: "boolean", default: false },
      "no-exif-transpose": { type: "boolean", default: false },
      "max-pixels": { type: "string" },
    },
    true,
  );
  const modelRef = requireOption(values.model, "--model");
  if (positionals.length === 0) throw new CliError("no image files given");
  const topK = positiveInt(values["top-k"], "--top-k", 5);
  const batchSize = positiveInt(values["batch-size"], "--batch-size", 8);
  const maxPixels = parseMaxPixels(values["max-pixels"]);

  const classifier = await ImageClassifier.fromPretrained(modelRef);
  const tty = process.stderr.isTTY === true;
  const results = await classifier.classify(positionals, {
    topK,
    batchSize,
    maxPixels,
    exifTranspose: !values["no-exif-transpose"],
    onProgress: tty ? (done) => process.stderr.write(`\rclassifying: ${done}/${positionals.length} images`) : undefined,
  });
  if (tty) process.stderr.write("\r\x1b[K");

  if (values.json) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    console.log(results.map(formatText).join("\n"));
  }
  const failed = results.filter((r) => r.error);
  for (const r of failed) console.error(`error: ${r.error}`);
  return failed.length ? 1 : 0;
}

const command: Command = { help, run };
export default command;
