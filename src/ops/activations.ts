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

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** d/dx of 0.5 x (1 + tanh(a (x + 0.044715 x^3))): the tanh GELUs, with a = sqrt(2 / pi) or its rounding. */
function geluTanhGrad(x: number, a: number): number {
  const t = Math.tanh(a * (x + 0.044715 * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * a * (1 + 3 * 0.044715 * x * x);
}

/** d gelu / dx = Phi(x) + x phi(x). */
export function geluGrad(x: number): number {
  return 0.5 * erfc(-x * SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

function sigmoidGrad(x: number): number {
  const s = sigmoid(x);
  return s * (1 - s);
}

/**
 * The derivative of every ACTIVATIONS entry, where PyTorch's backward puts the kinks: relu passes no gradient
 * at 0, relu6 (hardtanh) none at 0 and 6, clip (gelu_10) passes it on the bounds themselves.
 */
export const ACTIVATION_GRADIENTS: Readonly<Record<string, (x: number) => number>> = {
  gelu: geluGrad,
  gelu_python: geluGrad,
  gelu_new: (x) => geluTanhGrad(x, SQRT_2_OVER_PI),
  gelu_pytorch_tanh: (x) => geluTanhGrad(x, SQRT_2_OVER_PI),
  gelu_accurate: (x) => geluTanhGrad(x, SQRT_2_OVER_PI),
  gelu_fast: (x) => geluTanhGrad(x, 0.7978845608),
  gelu_10: (x) => (Math.abs(gelu(x)) <= 10 ? geluGrad(x) : 0),
  quick_gelu: (x) => sigmoid(1.702 * x) + 1.702 * x * sigmoidGrad(1.702 * x),
  relu: (x) => (x > 0 ? 1 : 0),
  relu6: (x) => (x > 0 && x < 6 ? 1 : 0),
  relu2: (x) => (x > 0 ? 2 * x : 0),
  leaky_relu: (x) => (x > 0 ? 1 : 0.01),
  silu: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))),
  swish: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))),
  sigmoid: sigmoidGrad,
  tanh: (x) => 1 - Math.tanh(x) ** 2,
  mish: (x) => {
    const t = Math.tanh(softplus(x));
    return t + x * (1 - t * t) * sigmoid(x);
  },
  laplace: (x) => {
    const z = (x - 0.707107) / (0.282095 * Math.SQRT2);
    return Math.exp(-z * z) / Math.sqrt(Math.PI) / (0.282095 * Math.SQRT2);
  },
  linear: () => 1,
};

export function getActivationGrad(name: string): (x: number) => number {
  getActivation(name); // the same message for an unknown name
  return ACTIVATION_GRADIENTS[name];
}

/** Backward of applyActivation: dx[i] = dy[i] * act'(x[i]) for i < n (x is the activation's input). */
export function applyActivationBackward(
  dx: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  n: number,
  grad: (x: number) => number,
): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i] * grad(x[i]);
}

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
