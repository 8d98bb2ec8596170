// The hook the model's forward() calls: the embeddings + encoder outputs from the configured fast
// backend, or null to take the reference path (reference backend, training mode, unsupported config).

import type { ConvNextConfig } from "../model/config.js";
import type { ForwardContext } from "../model/context.js";
import type { ConvNextEmbeddings } from "../model/embeddings.js";
import type { ConvNextEncoder } from "../model/encoder.js";
import type { Tensor } from "../tensor/tensor.js";
import { getBackend, type Backend } from "./backend.js";
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
