// The module tree: a Module's fields are named exactly like the checkpoint keys, so the list of
// parameters (and therefore loading) is a walk over field names, as in PyTorch's state_dict().

import { widen16 } from "../tensor/dtype.js";
import { dequantizeWeights } from "../ops/quantize.js";

/** How a parameter's values are held: float32, 16-bit floats, or int8 with per-output-channel scales. */
export type ParameterDType = "F32" | "F16" | "BF16" | "I8";

/** 16-bit float values kept as their bits (kernels widen them to float32 as they read them). */
export interface HalfValues {
  readonly dtype: "F16" | "BF16";
  bits: Uint16Array;
}

/** Per-output-channel symmetric int8 (ops/quantize.ts): value[o, ...] = values[o, ...] * scales[o]. */
export interface Int8Values {
  readonly dtype: "I8";
  values: Int8Array;
  scales: Float32Array; // [shape[0]]
}

/**
 * A learned tensor. Its values are `data` (float32), or, when `stored` is set, 16-bit floats or int8: then
 * `data` is empty and the executors read `stored` (the reference one widens or dequantizes it per step).
 * Both are empty until a checkpoint (or an initialiser) fills them.
 */
export class Parameter {
  data: Float32Array = new Float32Array(0);
  stored: HalfValues | Int8Values | null = null;
  constructor(readonly shape: readonly number[]) {}

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get dtype(): ParameterDType {
    return this.stored?.dtype ?? "F32";
  }

  /** Sets the values: float32, or 16-bit / int8 storage. */
  assign(values: Float32Array | HalfValues | Int8Values): void {
    if (values instanceof Float32Array) {
      this.data = values;
      this.stored = null;
    } else {
      this.data = new Float32Array(0);
      this.stored = values;
    }
  }

  /** The values as float32: `data` itself, or a new array (16-bit widened exactly, int8 dequantized). */
  float32(): Float32Array {
    const s = this.stored;
    if (!s) return this.data;
    if (s.dtype === "I8") return dequantizeWeights(s.values, s.scales, this.shape[0], this.size / this.shape[0]);
    return widen16(s.bits, s.dtype);
  }
}

export abstract class Module {
  /** Named children in state_dict order: fields holding a Parameter or a Module, in declaration order. */
  children(): Array<[string, Module | Parameter]> {
    return Object.entries(this).filter(
      (entry): entry is [string, Module | Parameter] => entry[1] instanceof Module || entry[1] instanceof Parameter,
    );
  }

  /**
   * Every parameter under its full dotted key, e.g. `encoder.stages.1.layers.0.dwconv.weight`, in
   * PyTorch's state_dict order: a module's own parameters first, then its children's.
   */
  namedParameters(prefix = ""): Array<[string, Parameter]> {
    const own: Array<[string, Parameter]> = [];
    const nested: Array<[string, Parameter]> = [];
    for (const [name, child] of this.children()) {
      if (child instanceof Parameter) own.push([prefix + name, child]);
      else nested.push(...child.namedParameters(`${prefix}${name}.`));
    }
    return [...own, ...nested];
  }

  /** This module and every module under it, by dotted name ("" for this one), parents first. */
  namedModules(prefix = ""): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix.replace(/\.$/, ""), this]];
    for (const [name, child] of this.children()) {
      if (child instanceof Module) out.push(...child.namedModules(`${prefix}${name}.`));
    }
    return out;
  }
}

/** nn.ModuleList / nn.Sequential: children named 0, 1, 2, ... */
export class ModuleList<T extends Module> extends Module {
  constructor(readonly items: T[]) {
    super();
  }

  override children(): Array<[string, Module | Parameter]> {
    return this.items.map((m, i) => [String(i), m]);
  }
}

/** nn.ModuleDict: children named by their keys. */
export class ModuleDict<T extends Module> extends Module {
  constructor(readonly entries: ReadonlyMap<string, T>) {
    super();
  }

  override children(): Array<[string, Module | Parameter]> {
    return [...this.entries];
  }
}
