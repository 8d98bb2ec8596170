// numpy .npy (format version 1.0) for uint8 and float32 arrays, C order: what `np.load` reads back. The
// header can be written to a fixed length, so a file that grows row by row can rewrite its shape in place.

export type NpyArray =
  | { dtype: "uint8"; data: Uint8Array; shape: readonly number[] }
  | { dtype: "float32"; data: Float32Array; shape: readonly number[] };

export type NpyDType = NpyArray["dtype"];

const DESCR = { uint8: "|u1", float32: "<f4" } as const;

/**
 * Magic, version, header length and the header dict, padded with spaces and ending in "\n", to a multiple of
 * 64 bytes (numpy's alignment), or to exactly `length` bytes when given.
 */
export function npyHeader(dtype: NpyDType, shape: readonly number[], length?: number): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${dims}, }`;
  const total = length ?? Math.ceil((10 + dict.length + 1) / 64) * 64;
  if (10 + dict.length + 1 > total) throw new Error(`npy: the header needs more than ${total} bytes`);
  const text = dict.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8]);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Where the data starts. */
  dataOffset: number;
}

/** The header of a version 1.0 .npy file (the first bytes of it suffice); errors name `source`. */
export function parseNpyHeader(bytes: Uint8Array, source = "npy"): NpyHeader {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a .npy file this can read (${why})`);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) fail("no NUMPY magic");
  if (bytes[6] !== 1) fail(`format version ${bytes[6]}.${bytes[7]}`);
  const length = bytes[8] | (bytes[9] << 8);
  if (bytes.length < 10 + length) fail("truncated header");
  const text = String.fromCharCode(...bytes.subarray(10, 10 + length));
  const descr = /'descr':\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const dims = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || dims === undefined) fail("unexpected header");
  const shape = dims!
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "")
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${dims})`);
  return { descr: descr!, fortranOrder: fortran === "True", shape, dataOffset: 10 + length };
}

export function serializeNpy(array: NpyArray): Uint8Array {
  const n = array.shape.reduce((p, d) => p * d, 1);
  if (array.data.length !== n) {
    throw new Error(`npy: data has ${array.data.length} values but shape (${array.shape.join(", ")}) needs ${n}`);
  }
  // Float32Array bytes are little-endian on every platform JavaScript runs on in practice; check anyway.
  if (array.dtype === "float32" && new Uint8Array(new Float32Array([1]).buffer)[3] !== 0x3f) {
    throw new Error("npy: big-endian platform not supported");
  }
  const header = npyHeader(array.dtype, array.shape);
  const body = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}
