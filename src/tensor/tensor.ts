// A minimal dense float32 tensor: a contiguous Float32Array plus an explicit row-major shape.
// Public model tensors are NCHW like Hugging Face; kernels receive `.data` and sizes, never a Tensor.

export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];

  constructor(data: Float32Array, shape: readonly number[]) {
    const n = numel(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: data has ${data.length} elements but shape [${shape.join(", ")}] needs ${n}`);
    }
    this.data = data;
    this.shape = [...shape];
  }

  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(numel(shape)), shape);
  }

  static full(shape: readonly number[], value: number): Tensor {
    return new Tensor(new Float32Array(numel(shape)).fill(value), shape);
  }

  static from(values: ArrayLike<number>, shape: readonly number[]): Tensor {
    return new Tensor(Float32Array.from(values), shape);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Same data, new shape; one dimension may be -1. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, inferShape(shape, this.data.length));
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Batch entry `b` of an [N, ...] tensor, as a view. */
  batchEntry(b: number): Tensor {
    const per = this.data.length / this.shape[0];
    return new Tensor(this.data.subarray(b * per, (b + 1) * per), [1, ...this.shape.slice(1)]);
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid dimension ${d} in shape [${shape.join(", ")}]`);
    n *= d;
  }
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function inferShape(shape: readonly number[], size: number): number[] {
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free >= 0) {
    const rest = out.reduce((p, d, i) => (i === free ? p : p * d), 1);
    if (rest === 0 || size % rest !== 0) throw new Error(`cannot reshape ${size} elements to ${formatShape(shape)}`);
    out[free] = size / rest;
  }
  if (numel(out) !== size) throw new Error(`cannot reshape ${size} elements to ${formatShape(shape)}`);
  return out;
}

/**
 * General axis permutation (e.g. NCHW -> NHWC is `permute(x, [0, 2, 3, 1])`). Copies.
 */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.shape.length;
  if (axes.length !== rank || [...axes].sort().some((a, i) => a !== i)) {
    throw new Error(`permute: axes [${axes.join(", ")}] are not a permutation of rank ${rank}`);
  }
  const outShape = axes.map((a) => x.shape[a]);
  const inStrides = stridesOf(x.shape);
  const strides = axes.map((a) => inStrides[a]);
  const out = new Float32Array(x.data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = x.data[src];
    // increment the multi-index of the output, tracking the source offset
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += strides[d];
      if (index[d] < outShape[d]) break;
      src -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return new Tensor(out, outShape);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
