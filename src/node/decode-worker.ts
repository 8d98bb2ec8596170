// The script of the decoding worker thread (worker-preparer.ts starts it): runs the in-thread preparer on
// each batch it is sent and posts back the prepared pixels (transferred, not copied) or each item's error.

import { parentPort } from "node:worker_threads";
import { setImageLoader } from "../pipelines/image-source.js";
import { epochMs } from "../pipelines/image-pipeline.js";
import { inThreadPreparer } from "../pipelines/preparer.js";
import { nodeImageLoader } from "./image-loader.js";
import type { DecodeReply, DecodeRequest } from "./worker-preparer.js";

setImageLoader(nodeImageLoader);
const port = parentPort!;

port.on("message", async ({ id, items, processor, options }: DecodeRequest) => {
  const start = epochMs();
  const prepared = await inThreadPreparer.prepare(items, processor, options);
  const results = prepared.map((p) =>
    p instanceof Error ? { error: p.message } : { width: p.width, height: p.height, data: p.data },
  );
  const reply: DecodeReply = { id, results, start, end: epochMs() };
  const buffers = new Set(prepared.flatMap((p) => (p instanceof Error ? [] : [p.data.buffer as ArrayBuffer])));
  port.postMessage(reply, [...buffers]);
});
