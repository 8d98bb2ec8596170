// Every activation name transformers' ACT2FN accepts (v4.37.2 activations.py), as scalar float64
// functions applied in place (docs/REFERENCE.md §1). Negative-side GELU uses erfc to avoid the cancellation
// in 1 + erf(x).

import { erfc } from "./erf.js";

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2). */
export function gelu(x: number): number {
  return 0.5 * x * erfc(-x * SQRT1_2);
}

function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** torch softplus with beta 1, threshold 20 (as F.mish uses it). */
function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export const ACTIVATIONS: Readonly<Record<string, (x: number) => number>> = {
  gelu,
  gelu_python: gelu,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_accurate: geluTanh,
  gelu_fast: (x) => 0.5 * x * (1 + Math.tanh(0.7978845608 * x * (1 + 0.044715 * x * x))),
  gelu_10: (x) => Math.min(10, Math.max(-10, gelu(x))),
  quick_gelu: (x) => x * sigmoid(1.702 * x),
  relu: (x) => (x > 0 ? x : 0),
  relu6: (x) => Math.min(6, Math.max(0, x)),
  relu2: (x) => (x > 0 ? x * x : 0),
  leaky_relu: (x) => (x >= 0 ? x : 0.01 * x),
  silu: (x) => x * sigmoid(x),
  swish: (x) => x * sigmoid(x),
  sigmoid,
  tanh: Math.tanh,
  mish: (x) => x * Math.tanh(softplus(x)),
  laplace: (x) => 0.5 * erfc(-(x - 0.707107) / (0.282095 * Math.SQRT2)),
  linear: (x) => x,
};

export function isActivation(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(ACTIVATIONS, name);
}

export function getActivation(name: string): (x: number) => number {
  if (!isActivation(name)) {
    throw new Error(`unknown activation "${name}"; known: ${Object.keys(ACTIVATIONS).join(", ")}`);
  }
  return ACTIVATIONS[name];
}

/** x[i] = act(x[i]) for i < n. */
export function applyActivation(x: Float32Array, n: number, act: (x: number) => number): void {
  for (let i = 0; i < n; i++) x[i] = act(x[i]);
}
