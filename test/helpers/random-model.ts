// A model with seeded random weights, for tests that compare executors with each other: unit-variance conv
// and linear weights (U(-b, b), b = sqrt(3 / fan_in)), LayerNorm weights near 1, non-trivial layer scale and GRN.
import { parseConvNextConfig } from "../../src/model/config.js";
import { createModel, type Task } from "../../src/pretrained/models.js";
import { mulberry32 } from "../../src/ops/drop-path.js";

export function randomModel(config: Record<string, unknown>, task: Task, seed = 1) {
  const model = createModel(parseConvNextConfig(config, "test config"), task);
  const random = mulberry32(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  for (const [name, p] of model.namedParameters()) {
    const fanIn = p.shape.length > 1 ? p.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    const b = Math.sqrt(3 / fanIn);
    const isNorm = /layernorm|norms|downsampling_layer\.0/.test(name);
    const draw = name.endsWith("layer_scale_parameter")
      ? () => uniform(0.1, 1)
      : name.includes(".grn.")
        ? () => uniform(-0.5, 0.5)
        : name.endsWith(".bias")
          ? () => uniform(-0.1, 0.1)
          : isNorm
            ? () => uniform(0.8, 1.2)
            : () => uniform(-b, b);
    p.data = Float32Array.from({ length: p.size }, draw);
  }
  return model;
}
