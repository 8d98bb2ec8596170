// Per-call forward options shared by every module of a pass.

import { mulberry32 } from "../ops/drop-path.js";

export interface ForwardContext {
  /** Training mode: drop path becomes stochastic (inference is the identity). */
  training: boolean;
  /** Source of U[0, 1) draws for drop path. */
  random: () => number;
}

export function forwardContext(options: { training?: boolean; seed?: number } = {}): ForwardContext {
  return { training: options.training ?? false, random: mulberry32(options.seed ?? 0) };
}
