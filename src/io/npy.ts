// numpy .npy (format version 1.0) for uint8 and float32 arrays, C order: what `np.load` reads back.

export type NpyArray =
  | { dtype: "uint8"; data: Uint8Array; shape: readonly number[] }
  | { dtype: "float32"; data: Float32Array; shape: readonly number[] };

const DESCR = { uint8: "|u1", float32: "<f4" } as const;

export function serializeNpy(array: NpyArray): Uint8Array {
  const n = array.shape.reduce((p, d) => p * d, 1);
  if (array.data.length !== n) {
    throw new Error(`npy: data has ${array.data.length} values but shape (${array.shape.join(", ")}) needs ${n}`);
  }
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(", ")})`;
  let header = `{'descr': '${DESCR[array.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces and ending in "\n", to a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const body = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(total + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Float32Array bytes are little-endian on every platform JavaScript runs on in practice; check anyway.
  if (array.dtype === "float32" && new Uint8Array(new Float32Array([1]).buffer)[3] !== 0x3f) {
    throw new Error("npy: big-endian platform not supported");
  }
  out.set(body, total);
  return out;
}
