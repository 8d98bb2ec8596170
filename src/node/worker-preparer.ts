// An ImagePreparer on a worker thread: files and URLs are read, decoded, resized and cropped there, so a
// pipeline decodes batch k+1 while the kernels run batch k (the forward pass blocks the calling thread).
// Standard input and Blobs are read on the calling thread and sent as bytes.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ImageSource, LoadOptions } from "../pipelines/image-source.js";
import type { ImagePreparer, PrepareItem, ProcessorSpec } from "../pipelines/preparer.js";
import type { RgbImage } from "../preprocess/image.js";
import { nodeImageLoader, STDIN } from "./image-loader.js";

export interface DecodeRequest {
  id: number;
  items: PrepareItem[];
  processor: ProcessorSpec;
  options: LoadOptions;
}

export interface DecodeReply {
  id: number;
  results: Array<RgbImage | { error: string }>;
  /** When the worker started and finished the batch (epochMs). */
  start: number;
  end: number;
}

export interface WorkerPreparer extends ImagePreparer {
  /** The intervals the worker spent preparing batches (epochMs), and the images prepared. */
  readonly stats: { busy: Array<[number, number]>; images: number };
  /** Ends the thread (it never keeps the process alive while idle). */
  dispose(): Promise<void>;
}

/** The worker's script: beside this module once built (dist/node); from sources (tests), the built copy. */
function workerScript(): URL {
  const beside = new URL("./decode-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL("../../dist/node/decode-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error("the decoding worker's script is missing: run `npm run build`");
}

/** Sources the worker cannot read itself: standard input (the calling thread's) and Blobs. */
function readHere(source: ImageSource): boolean {
  return source === STDIN || (typeof source === "object" && typeof (source as Blob).arrayBuffer === "function");
}

async function bytesOf(source: ImageSource): Promise<Uint8Array> {
  if (source === STDIN) return nodeImageLoader(STDIN, {});
  return new Uint8Array(await (source as Blob).arrayBuffer());
}

export function decodeWorker(): WorkerPreparer {
  const worker = new Worker(workerScript());
  worker.unref();
  const pending = new Map<number, { resolve: (r: DecodeReply) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | null = null;
  const stats = { busy: [] as Array<[number, number]>, images: 0 };
  const fail = (e: Error) => {
    failure = new Error(`the decoding worker stopped: ${e.message}`);
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on("message", (reply: DecodeReply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    p?.resolve(reply);
  });
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));

  return {
    stats,
    async prepare(items, processor, options) {
      if (failure) throw failure;
      const out: Array<RgbImage | Error | null> = items.map(() => null);
      const send: PrepareItem[] = [];
      const slots: number[] = [];
      for (const [i, item] of items.entries()) {
        try {
          // awaited only for stdin and Blobs: otherwise the batch is posted before prepare() returns
          send.push({ file: item.file, source: readHere(item.source) ? await bytesOf(item.source) : item.source });
          slots.push(i);
        } catch (e) {
          out[i] = new Error((e as Error).message);
        }
      }
      const id = nextId++;
      const reply = await new Promise<DecodeReply>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref(); // a batch in flight keeps the process alive
        const request: DecodeRequest = { id, items: send, processor, options };
        worker.postMessage(request);
      });
      stats.busy.push([reply.start, reply.end]);
      stats.images += send.length;
      reply.results.forEach((r, j) => (out[slots[j]] = "error" in r ? new Error(r.error) : r));
      return out as Array<RgbImage | Error>;
    },
    async dispose() {
      worker.removeAllListeners("exit");
      await worker.terminate();
    },
  };
}
