// `convnext classify`: top-k labels for images, like the HF image-classification pipeline, printed batch by
// batch as they are done.

import { ImageClassifier, type ClassificationResult } from "../pipelines/image-classification.js";
import { parseFunctionToApply } from "../pipelines/function-to-apply.js";
import { CliError, MODEL_HELP, parseCommandLine, positiveInt, requireOption, type Command } from "./command.js";
import { IMAGE_HELP, IMAGE_OPTIONS, imageArgs, INPUTS_HELP } from "./image-options.js";
import { INTERRUPTED_EXIT_CODE } from "./interrupt.js";
import { runPipeline } from "./pipeline-run.js";
import { applyRunOptions, RUN_HELP, RUN_OPTIONS } from "./run-options.js";

const help = `usage: convnext classify --model REF INPUTS... [options]

Loads each image like transformers' load_image, preprocesses it with the model's
preprocessor_config.json (ConvNextImageProcessor), runs the model and prints the top-k labels of
config.json's id2label with their scores, like the image-classification pipeline of transformers
v4.37.2. Results are printed batch by batch as they are done. An image that fails is reported once
(on stderr, or in its JSON object) and the others go on. A timm checkpoint is preprocessed like
timm (its pretrained_cfg, no EXIF orientation) and labelled with its label_names; the exit code is 1 if any failed, 130 after
Ctrl-C (the batch under way is finished and printed first).

${INPUTS_HELP}

  --model REF            ${MODEL_HELP}
  --top-k N              labels per image (default 5; at most the model's number of labels)
  --function-to-apply F  sigmoid | softmax | none; default as the pipeline: sigmoid for multi-label
                         models (problem_type) or a single label, softmax for several labels
  --json                 one JSON array: [{"file", "predictions": [{"label", "index", "score"}]} | {"file", "error"}]
  --jsonl                one JSON object per line, per image, as soon as it is done
${IMAGE_HELP}
${RUN_HELP}`;

function formatText(r: ClassificationResult): string {
  const lines = r.predictions!.map((p) => `  ${p.score.toFixed(4)}  ${p.label}`);
  return [r.file, ...lines].join("\n");
}

/** Writes results to stdout in the chosen format, as they come. */
function resultPrinter(format: "text" | "json" | "jsonl") {
  let first = true;
  return {
    print(results: ClassificationResult[]): void {
      const out: string[] = [];
      for (const r of results) {
        if (format === "jsonl") out.push(JSON.stringify(r) + "\n");
        else if (format === "json") {
          // the same text JSON.stringify(all, null, 2) gives, one element at a time
          out.push((first ? "[\n" : ",\n") + JSON.stringify(r, null, 2).replace(/^/gm, "  "));
          first = false;
        } else if (r.error !== undefined) console.error(`error: ${r.error}`);
        else out.push(formatText(r) + "\n");
      }
      if (out.length) process.stdout.write(out.join(""));
    },
    end(): void {
      if (format === "json") process.stdout.write(first ? "[]\n" : "\n]\n");
    },
  };
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      model: { type: "string" },
      "top-k": { type: "string" },
      "function-to-apply": { type: "string" },
      json: { type: "boolean", default: false },
      jsonl: { type: "boolean", default: false },
      ...IMAGE_OPTIONS,
      ...RUN_OPTIONS,
    },
    true,
  );
  const modelRef = requireOption(values.model, "--model");
  const topK = positiveInt(values["top-k"], "--top-k", 5);
  const functionToApply = values["function-to-apply"];
  if (functionToApply !== undefined) {
    try {
      parseFunctionToApply(functionToApply);
    } catch (e) {
      throw new CliError(`--function-to-apply: ${(e as Error).message.replace(/^function_to_apply /, "")}`);
    }
  }
  if (values.json && values.jsonl) throw new CliError("--json and --jsonl cannot be combined");
  const args = await imageArgs(positionals, values);
  const verbose = applyRunOptions(values);

  const classifier = await ImageClassifier.fromPretrained(modelRef);
  const printer = resultPrinter(values.json ? "json" : values.jsonl ? "jsonl" : "text");
  const summary = await runPipeline(
    classifier,
    args,
    { topK, functionToApply },
    { verb: "classifying", verbose, onResults: (results) => printer.print(results) },
  );
  printer.end();
  if (summary.failed && (values.json || values.jsonl)) {
    console.error(`${summary.failed} of ${summary.done} images failed (see their "error")`);
  }
  if (summary.interrupted) {
    console.error(`interrupted: ${summary.done} of ${args.inputs.length} images classified`);
    return INTERRUPTED_EXIT_CODE;
  }
  return summary.failed ? 1 : 0;
}

const command: Command = { help, run };
export default command;
