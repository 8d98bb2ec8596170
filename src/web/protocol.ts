// The messages between a page and the Worker API's worker (worker.ts): one model per worker, loaded once,
// then runs. Everything here survives structured cloning: options without functions, image sources as
// Blobs, URLs or plain pixel objects whose buffers are transferred, not copied.

import type { BackendName } from "../backend/backend.js";
import type { DownloadProgress, HubOptions } from "../pretrained/hub-options.js";
import type { LoadWeightsOptions } from "../pretrained/load-weights.js";

export type WorkerTask = "image-classification" | "feature-extraction";

/** A model as the worker receives it: a hub id, an absolute URL, or the files themselves. */
export type PostedModel = string | { name: string; files: Record<string, Uint8Array> };

/** The load options that can cross to the worker (callbacks travel as messages). */
export interface PostedLoadOptions
  extends Omit<HubOptions, "onProgress" | "onWarning">, Omit<LoadWeightsOptions, "onWarning" | "source"> {
  /** The worker's kernels (default "auto": wasm SIMD where it exists). */
  backend?: BackendName | "auto";
  /** The worker's kernel threads (default one per core where the page is cross-origin isolated, else 1). */
  threads?: number;
}

/** What the worker runs on, reported once loaded. */
export interface WorkerInfo {
  model: string;
  backend: string;
  /** "wasm-relaxed" when the fused multiply-add build runs. */
  kernels: string;
  threads: number;
  crossOriginIsolated: boolean;
  numLabels: number;
  /** Length of an embedding: hidden_sizes[-1]. */
  hiddenSize: number;
}

export type WorkerRequestBody =
  | { type: "load"; task: WorkerTask; model: PostedModel; options: PostedLoadOptions }
  | { type: "run"; sources: unknown[]; options: Record<string, unknown> }
  | { type: "inspect"; source: unknown; options: Record<string, unknown> };

export type WorkerReplyBody =
  | { type: "progress"; progress: DownloadProgress }
  | { type: "warning"; message: string }
  | { type: "done"; value: unknown }
  | { type: "error"; message: string };

/** Requests and replies carry the id of the call they belong to. */
export type WorkerRequest = { id: number } & WorkerRequestBody;
export type WorkerReply = { id: number } & WorkerReplyBody;
