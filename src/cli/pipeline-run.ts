// Running a pipeline over the command line's inputs, for classify and embed: images decoded on a worker thread
// while the kernels run the previous batch, results handed on batch by batch, a progress line on a terminal,
// Ctrl-C / SIGTERM ending after the current batch, and --verbose's timing summary.

import { decodeWorker } from "../node/worker-preparer.js";
import { epochMs, type ImagePipeline, type PipelineOptions, type PipelineResult } from "../pipelines/image-pipeline.js";
import type { ImageArgs } from "./image-options.js";
import { onInterrupt } from "./interrupt.js";

export interface RunSummary {
  done: number;
  failed: number;
  interrupted: boolean;
}

type Interval = [number, number];

const total = (intervals: Interval[]) => intervals.reduce((t, [a, b]) => t + (b - a), 0);

/** Time covered by both lists of intervals (each list sorted and non-overlapping). */
export function overlap(a: Interval[], b: Interval[]): number {
  let sum = 0;
  let j = 0;
  for (const [start, end] of a) {
    while (j < b.length && b[j][1] <= start) j++;
    for (let k = j; k < b.length && b[k][0] < end; k++) sum += Math.min(end, b[k][1]) - Math.max(start, b[k][0]);
  }
  return sum;
}

export async function runPipeline<Row extends object, Options extends PipelineOptions>(
  pipeline: ImagePipeline<Row, Options>,
  args: ImageArgs,
  options: Omit<Options, keyof PipelineOptions>,
  report: {
    /** "classifying", "embedding": the progress line's verb. */
    verb: string;
    verbose: boolean;
    onResults(results: Array<PipelineResult<Row>>): void | Promise<void>;
  },
): Promise<RunSummary> {
  const preparer = decodeWorker();
  const interrupt = onInterrupt();
  const progress = process.stderr.isTTY === true;
  const forward: Interval[] = [];
  let failed = 0;
  let done = 0;
  const start = epochMs();
  try {
    const stream = pipeline.stream(args.inputs, {
      ...options,
      batchSize: args.batchSize,
      exifTranspose: args.exifTranspose,
      maxPixels: args.maxPixels,
      timeout: args.timeout,
      preparer,
      signal: interrupt.signal,
      onForward: (_images: number, from: number, to: number) => void forward.push([from, to]),
    } as unknown as Options);
    for await (const results of stream) {
      if (progress) process.stderr.write("\r\x1b[K");
      await report.onResults(results);
      done += results.length;
      failed += results.filter((r) => r.error !== undefined).length;
      if (progress) process.stderr.write(`${report.verb}: ${done}/${args.inputs.length} images`);
    }
  } finally {
    if (progress) process.stderr.write("\r\x1b[K");
    interrupt.dispose();
    await preparer.dispose();
  }
  if (report.verbose && done > 0) {
    const per = (ms: number) => (ms / done).toFixed(1);
    const decoding = total(preparer.stats.busy);
    console.error(
      `${done} images in ${((epochMs() - start) / 1000).toFixed(2)} s: ${per(epochMs() - start)} ms/image; ` +
        `forward ${per(total(forward))} ms/image, decoding ${per(decoding)} ms/image on a worker thread, ` +
        `${per(overlap(preparer.stats.busy, forward))} ms/image of it during the forward passes`,
    );
  }
  return { done, failed, interrupted: interrupt.signal.aborted };
}
