// The module tree: a Module's fields are named exactly like the checkpoint keys, so the list of
// parameters (and therefore loading) is a walk over field names, as in PyTorch's state_dict().

/** A learned tensor. `data` is empty until a checkpoint (or an initialiser) fills it. */
export class Parameter {
  data: Float32Array = new Float32Array(0);
  constructor(readonly shape: readonly number[]) {}

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
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
