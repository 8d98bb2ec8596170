// `convnext embed`: one embedding per image (ConvNextModel's pooler_output by default), streamed to .npy,
// .safetensors or .jsonl batch by batch; --resume and --shard for runs over large folders.

import { embeddingFormat, namesFileOf, openEmbeddingFile } from "../node/embedding-file.js";
import { FeatureExtractor, type Pooling } from "../pipelines/feature-extraction.js";
import { CliError, MODEL_HELP, parseCommandLine, requireOption, type Command } from "./command.js";
import { IMAGE_HELP, IMAGE_OPTIONS, imageArgs, INPUTS_HELP } from "./image-options.js";
import { INTERRUPTED_EXIT_CODE } from "./interrupt.js";
import { runPipeline } from "./pipeline-run.js";
import { applyRunOptions, RUN_HELP, RUN_OPTIONS } from "./run-options.js";

const help = `usage: convnext embed --model REF INPUTS... --output FILE [options]

Computes one embedding per image (loaded like transformers' load_image, preprocessed with the model's
preprocessor_config.json) and writes them as they are computed, batch by batch: a folder of any size
never sits in memory, and an interrupted run (Ctrl-C, SIGTERM, a killed job) keeps every finished batch.
An image that fails is reported on stderr and left out; the exit code is 1 if any failed.

${INPUTS_HELP}

  --model REF            ${MODEL_HELP}
  --output FILE          by extension:
                           .npy          float32 [N, D] (np.load); row i is the input on line i of FILE.files.txt
                           .safetensors  tensor "embeddings" F32 [N, D]; likewise FILE.files.txt
                           .jsonl        one {"file": ..., "embedding": [...]} per line
  --pooling P            pooler_output (default: ConvNextModel's pooled output, LayerNorm of the spatial mean)
                         | mean (the spatial mean of last_hidden_state)
  --normalize            divide each embedding by its L2 norm
  --resume               keep what FILE already holds and embed only the inputs it lacks (without it, FILE
                         is started over)
${IMAGE_HELP}
${RUN_HELP}

Shards: \`--shard I/N\` takes inputs I, I+N, I+2N, ... of the sorted list; the N outputs together hold
exactly the rows of one run (the same values, bit for bit), in the order of one run's when interleaved.`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      model: { type: "string" },
      output: { type: "string" },
      pooling: { type: "string" },
      normalize: { type: "boolean", default: false },
      resume: { type: "boolean", default: false },
      ...IMAGE_OPTIONS,
      ...RUN_OPTIONS,
    },
    true,
  );
  const modelRef = requireOption(values.model, "--model");
  const output = requireOption(values.output, "--output");
  const format = embeddingFormat(output);
  if (!format) throw new CliError(`--output must end in .npy, .safetensors or .jsonl, got "${output}"`);
  const pooling = (values.pooling ?? "pooler_output") as Pooling;
  if (pooling !== "pooler_output" && pooling !== "mean") {
    throw new CliError(`--pooling must be pooler_output or mean, got "${values.pooling}"`);
  }
  const args = await imageArgs(positionals, values);
  if (format !== "jsonl") {
    const bad = args.inputs.find((f) => f.includes("\n"));
    if (bad !== undefined) {
      throw new CliError(
        `${JSON.stringify(bad)}: a name with a line break cannot be a line of ${namesFileOf(output)}; write .jsonl`,
      );
    }
  }
  const verbose = applyRunOptions(values);

  const extractor = await FeatureExtractor.fromPretrained(modelRef);
  const file = await openEmbeddingFile(output, { dimension: extractor.dimension, resume: values.resume });
  const todo = args.inputs.filter((f) => !file.files.has(f));
  if (values.resume && file.rows > 0) {
    console.error(
      `resuming: ${output} holds ${file.rows} embeddings; ${todo.length} of ${args.inputs.length} inputs to go`,
    );
  }
  let summary;
  try {
    summary = await runPipeline(
      extractor,
      { ...args, inputs: todo },
      { pooling, normalize: values.normalize },
      {
        verb: "embedding",
        verbose,
        onResults: async (results) => {
          for (const r of results) if (r.error !== undefined) console.error(`error: ${r.error}`);
          await file.append(
            results.flatMap((r) => (r.error === undefined ? [{ file: r.file, embedding: r.embedding }] : [])),
          );
        },
      },
    );
  } finally {
    await file.close();
  }
  const names = format === "jsonl" ? "" : `, their inputs in ${namesFileOf(output)}`;
  console.error(
    `wrote ${summary.done - summary.failed} embeddings to ${output}: it holds ${file.rows} of ${extractor.dimension} values${names}`,
  );
  if (summary.interrupted) {
    console.error(`interrupted: ${summary.done} of ${todo.length} images done; run again with --resume to continue`);
    return INTERRUPTED_EXIT_CODE;
  }
  return summary.failed ? 1 : 0;
}

const command: Command = { help, run };
export default command;
