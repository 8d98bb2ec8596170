// The reference executor: every plan step computed with the readable kernels of src/ops, in float64
// arithmetic stored as float32, one new tensor per step. This file is the definition of what each step, and
// so the ConvNeXT block, computes (modeling_convnext.py line by line, docs/REFERENCE.md §1 and §4); the fast
// executors are tested against it. Weights stored in 16 bits are widened to float32 for each step (exactly); an
// nn.Linear with int8 weights is the int8 GEMM of ops/quantize.ts (activations quantized per pixel), the
// numerics the fast kernels match.

import { applyActivation, getActivation } from "../ops/activations.js";
import { conv2d } from "../ops/conv2d.js";
import { depthwiseConv2d } from "../ops/depthwise-conv.js";
import { dropPath } from "../ops/drop-path.js";
import { globalResponseNorm } from "../ops/grn.js";
import { layerNormChannelsFirst, layerNormChannelsLast } from "../ops/layer-norm.js";
import { layerScale } from "../ops/layer-scale.js";
import { linear } from "../ops/linear.js";
import { quantizedLinear } from "../ops/quantize.js";
import { scaleNorm } from "../ops/scale-norm.js";
import { globalAveragePool } from "../ops/pooling.js";
import { channelsFirstToLast, channelsLastToFirst } from "../ops/transpose.js";
import { formatShape, sameShape, Tensor } from "../tensor/tensor.js";
import type { Executor, Program, RunOptions, Weights } from "./executor.js";
import type { Parameter } from "./module.js";
import type { BlockStep, Plan, PlanStep } from "./plan.js";

type Read = (name: string) => Float32Array;
type ReadParameter = (name: string) => Parameter;

/** nn.Linear over rows: out [M, N] = x [M, K] . weight^T + bias, float32 or int8 weights. */
function linearStep(
  out: Float32Array,
  x: Float32Array,
  weight: Parameter,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
): void {
  // prettier-ignore
  const s = weight.stored;
  if (s?.dtype === "I8") quantizedLinear(out, x, s.values, s.scales, bias, M, K, N);
  else linear(out, x, weight.float32(), bias, M, K, N);
}

/** ConvNextLayer.forward / ConvNextV2Layer.forward. */
export function block(step: BlockStep, x: Tensor, param: ReadParameter, random: () => number): Tensor {
  const w: Read = (name) => param(name).float32();
  const [N, C, H, W] = x.shape;
  const HW = H * W;
  const hidden = 4 * C;
  const { dwconv, layernorm, pwconv1, pwconv2, grn } = step;
  const bias = (name: string | null) => (name ? w(name) : null);

  const spatial = new Float32Array(x.size);
  depthwiseConv2d(spatial, x.data, w(dwconv.weight), bias(dwconv.bias), N, C, H, W, H, W, dwconv.kernel, dwconv.padding); // prettier-ignore
  const nhwc = new Float32Array(x.size); // x.permute(0, 2, 3, 1)
  channelsFirstToLast(nhwc, spatial, N, C, HW);
  if (layernorm.type === "layernorm") {
    layerNormChannelsLast(nhwc, nhwc, w(layernorm.weight), w(layernorm.bias!), N * HW, C, layernorm.eps);
  } else {
    scaleNorm(nhwc, nhwc, w(layernorm.weight), N * HW, C, 1, layernorm.eps, layernorm.type); // timm's norm_layer
  }
  const h = new Float32Array(N * HW * hidden);
  linearStep(h, nhwc, param(pwconv1.weight), bias(pwconv1.bias), N * HW, C, hidden);
  applyActivation(h, h.length, getActivation(step.activation));
  if (grn) globalResponseNorm(h, w(grn.weight), w(grn.bias), N, HW, hidden, new Float64Array(hidden));
  const branch = new Float32Array(x.size);
  linearStep(branch, h, param(pwconv2.weight), bias(pwconv2.bias), N * HW, hidden, C);
  if (step.layerScale) layerScale(branch, w(step.layerScale), N * HW, C);
  if (step.dropPath > 0) dropPath(branch, new Float32Array(N), N, HW * C, step.dropPath, random);
  const out = new Float32Array(x.size); // x.permute(0, 3, 1, 2)
  channelsLastToFirst(out, branch, N, C, HW);
  for (let i = 0; i < out.length; i++) out[i] += x.data[i]; // input + drop_path(x)
  return new Tensor(out, x.shape);
}

/** Every other step: one kernel. */
function simpleStep(
  step: Exclude<PlanStep, BlockStep>,
  x: Tensor,
  outShape: readonly number[],
  param: ReadParameter,
): Tensor {
  // prettier-ignore
  const out = Tensor.zeros(outShape);
  const w: Read = (name) => param(name).float32();
  switch (step.kind) {
    case "conv2d": {
      const [N, Cin, H, W] = x.shape;
      const [, Cout, OH, OW] = outShape;
      const b = step.bias ? w(step.bias) : null;
      conv2d(out.data, x.data, w(step.weight), b, N, Cin, H, W, Cout, OH, OW, step.kernel, step.stride, step.padding); // prettier-ignore
      break;
    }
    case "layernorm": {
      const [N, C] = x.shape;
      if (step.dataFormat === "channels_first") {
        layerNormChannelsFirst(out.data, x.data, w(step.weight), w(step.bias), N, C, x.size / (N * C), step.eps);
      } else {
        layerNormChannelsLast(out.data, x.data, w(step.weight), w(step.bias), x.size / C, C, step.eps);
      }
      break;
    }
    case "rmsnorm":
    case "simplenorm": {
      const [N, C] = x.shape;
      scaleNorm(out.data, x.data, w(step.weight), N, C, x.size / (N * C), step.eps, step.kind);
      break;
    }
    case "activation":
      out.data.set(x.data);
      applyActivation(out.data, out.size, getActivation(step.activation));
      break;
    case "pool": {
      const [N, C] = x.shape;
      globalAveragePool(out.data, x.data, N, C, x.size / (N * C));
      break;
    }
    case "linear": {
      const [N, K] = x.shape;
      linearStep(out.data, x.data, param(step.weight), step.bias ? w(step.bias) : null, N, K, outShape[1]);
      break;
    }
  }
  return out;
}

class ReferenceProgram implements Program {
  readonly calls: Program["calls"];
  private readonly values: Array<Tensor | null>;

  constructor(
    private readonly plan: Plan,
    weights: Weights,
  ) {
    const w: ReadParameter = (name) => {
      const p = weights.get(name);
      if (!p) throw new Error(`reference executor: the model has no parameter "${name}"`);
      return p;
    };
    this.values = plan.values.map(() => null);
    this.calls = plan.steps.map((step, i) => ({
      step: i,
      op: step.kind,
      run: (options: RunOptions) => {
        const x = this.values[step.input]!;
        this.values[step.output] =
          step.kind === "block"
            ? block(step, x, w, options.random)
            : simpleStep(step, x, plan.values[step.output].shape, w);
      },
    }));
  }

  setInput(pixelValues: Tensor): void {
    const shape = this.plan.values[this.plan.input].shape;
    if (!sameShape(pixelValues.shape, shape)) {
      throw new Error(`pixel_values ${formatShape(pixelValues.shape)} does not match the plan's ${formatShape(shape)}`);
    }
    this.values.fill(null);
    this.values[this.plan.input] = pixelValues;
  }

  outputs(): Map<string, Tensor> {
    return new Map(this.plan.outputs.map(([name, v]) => [name, this.values[v]!]));
  }

  dispose(): void {
    this.values.fill(null);
  }
}

export const referenceExecutor: Executor = {
  name: "reference",
  unsupported: () => null,
  compile: (plan, weights) => new ReferenceProgram(plan, weights),
};
