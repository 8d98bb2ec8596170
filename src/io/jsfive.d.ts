// The part of jsfive (pure-JS HDF5 reader, no bundled types) that tf-h5.ts uses.
declare module "jsfive" {
  export class Group {
    readonly name: string;
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    get(path: string): Group | Dataset | null;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  export class Dataset {
    readonly name: string;
    readonly shape: number[];
    /** e.g. "<f4", or an array describing compound / string types. */
    readonly dtype: string | unknown[];
    readonly value: ArrayLike<number | bigint | string>;
    readonly attrs: Record<string, unknown>;
  }
}
