// The hooks the model's forward() calls: the embeddings + encoder outputs, and the classifier head, from the
// configured fast backend, or null to take the reference path (reference backend, training mode for the
// encoder, unsupported config).

import type { ConvNextConfig } from "../model/config.js";
import type { ForwardContext } from "../model/context.js";
import type { ConvNextEmbeddings } from "../model/embeddings.js";
import type { ConvNextEncoder } from "../model/encoder.js";
import type { Linear } from "../model/layers.js";
import type { Tensor } from "../tensor/tensor.js";
import { getBackend, type Backend } from "./backend.js";
import { FastLinear } from "./fast-linear.js";
import { FastRunner } from "./runner.js";

const runners = new WeakMap<ConvNextEmbeddings, Map<Backend, FastRunner>>();

/** [embeddings output, stage outputs...] when `all`, else [last stage output]; null = use the reference path. */
export function fastFeatures(
  embeddings: ConvNextEmbeddings,
  encoder: ConvNextEncoder,
  config: ConvNextConfig,
  pixelValues: Tensor,
  ctx: ForwardContext,
  all: boolean,
): Tensor[] | null {
  if (ctx.training) return null; // drop path is stochastic: the reference path implements it
  const backend = getBackend();
  if (!backend || !FastRunner.supports(encoder, config.hiddenAct)) return null;
  let perBackend = runners.get(embeddings);
  if (!perBackend) runners.set(embeddings, (perBackend = new Map()));
  let runner = perBackend.get(backend);
  if (!runner) perBackend.set(backend, (runner = new FastRunner(backend, embeddings, encoder)));
  return runner.run(pixelValues, all);
}

const heads = new WeakMap<Linear, Map<Backend, FastLinear>>();

/**
 * The classifier's output on the wasm backend; null = use the reference kernel. For a few images the head is
 * a matrix-vector product bound by reading the weights: the wasm GEMM takes 0.6x the reference kernel's
 * time on one thread and 0.4x on two (bench/head.mjs), while the pure-TS GEMM, which converts each weight
 * panel to float64 and fills whole 4-pixel strips, took 3.3x (56 vs 17 ms for 768 -> 21841), so the js
 * backend keeps the reference kernel here.
 */
export function fastLinear(linear: Linear, x: Tensor): Tensor | null {
  const backend = getBackend();
  if (backend?.name !== "wasm") return null;
  let perBackend = heads.get(linear);
  if (!perBackend) heads.set(linear, (perBackend = new Map()));
  let head = perBackend.get(backend);
  if (!head) perBackend.set(backend, (head = new FastLinear(backend, linear)));
  return head.forward(x);
}
