// FLOPs of a ConvNeXT forward pass per op (multiply-add = 2 FLOPs), from the plan of the model a config
// describes (src/model/flops.ts): convnext-tiny-224 totals 8.9 GFLOP per image (4.5 GMACs, the paper's figure).
import { createModel, parseConvNextConfig, planMacs } from "../dist/core.js";

/** { ops: { stem, dwconv, "pwconv1+gelu", "pwconv2+scale+residual", downsampling, head }, total } per image. */
export function flopsPerImage(config, size = 224) {
  const model = createModel(parseConvNextConfig(config), "classification");
  const macs = planMacs(model.plan([1, config.num_channels ?? 3, size, size]));
  const flops = (part) => 2 * (macs.get(part) ?? 0);
  // named as the fast executor labels its calls in a profile
  const ops = {
    stem: flops("stem"),
    dwconv: flops("dwconv"),
    "pwconv1+gelu": flops("pwconv1"),
    "pwconv2+scale+residual": flops("pwconv2"),
    downsampling: flops("downsampling"),
    head: flops("head"),
  };
  return { ops, total: Object.values(ops).reduce((a, b) => a + b, 0) };
}
