// Test-only writers for pickles and torch zip archives, assembled opcode by opcode, so tests can build
// checkpoints the fixtures lack (float16 storages, strided views, corrupt records) without Python.

import { crc32 } from "node:zlib";

const enc = new TextEncoder();

export const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

export const op = {
  proto: (v = 2) => [0x80, v],
  global: (module: string, name: string) => [...enc.encode(`c${module}\n${name}\n`)],
  str: (s: string) => {
    const b = enc.encode(s);
    return [0x58, ...u32(b.length), ...b];
  },
  int: (n: number) => [0x4a, ...u32(n)],
  mark: () => [0x28],
  tuple: () => [0x74],
  tuple1: () => [0x85],
  emptyTuple: () => [0x29],
  emptyDict: () => [0x7d],
  setitems: () => [0x75],
  reduce: () => [0x52],
  binpersid: () => [0x51],
  false: () => [0x89],
  stop: () => [0x2e],
};

const emptyHooks = () => [...op.global("collections", "OrderedDict"), ...op.emptyTuple(), ...op.reduce()];

export interface TensorSpec {
  storageKey: string;
  storageType?: string;
  /** Opcodes for the storage-type slot instead of `torch.<storageType>` (hostile files). */
  storageTypeOps?: number[];
  /** Opcodes for the backward_hooks argument instead of `OrderedDict()` (hostile files). */
  hooksOps?: number[];
  storageNumel: number;
  offset?: number;
  shape: number[];
  stride?: number[];
}

function contiguousStride(shape: number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d];
  }
  return stride;
}

/** `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
export function tensorOps(t: TensorSpec): number[] {
  const ints = (xs: number[]) => [...op.mark(), ...xs.flatMap(op.int), ...op.tuple()];
  return [
    ...op.global("torch._utils", "_rebuild_tensor_v2"),
    ...op.mark(),
    ...op.mark(),
    ...op.str("storage"),
    ...(t.storageTypeOps ?? op.global("torch", t.storageType ?? "FloatStorage")),
    ...op.str(t.storageKey),
    ...op.str("cpu"),
    ...op.int(t.storageNumel),
    ...op.tuple(),
    ...op.binpersid(),
    ...op.int(t.offset ?? 0),
    ...ints(t.shape),
    ...ints(t.stride ?? contiguousStride(t.shape)),
    ...op.false(),
    ...(t.hooksOps ?? emptyHooks()),
    ...op.tuple(),
    ...op.reduce(),
  ];
}

/** A protocol-2 pickle of a plain dict {name: value ops}. */
export function statePickle(items: Array<[string, number[]]>): Uint8Array {
  const body = items.flatMap(([name, value]) => [...op.str(name), ...value]);
  return Uint8Array.from([...op.proto(), ...op.emptyDict(), ...op.mark(), ...body, ...op.setitems(), ...op.stop()]);
}

export { crc32 }; // node:zlib's, independent of the code under test

/** An entry already deflated (method 8): its compressed bytes, with the size and CRC-32 of what they inflate to. */
export interface DeflatedEntry {
  compressed: Uint8Array;
  size: number;
  crc32: number;
}

/** A zip of stored entries (what torch.save writes, without the alignment padding), or deflated ones. */
export function storedZip(records: Array<[string, Uint8Array | DeflatedEntry]>): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: number[] = [];
  let offset = 0;
  for (const [name, entry] of records) {
    const nameBytes = enc.encode(name);
    const deflated = !(entry instanceof Uint8Array);
    const data = deflated ? entry.compressed : entry;
    const crc = deflated ? entry.crc32 : crc32(data);
    const sizes = [
      ...u32(crc),
      ...u32(data.length),
      ...u32(deflated ? entry.size : data.length),
      nameBytes.length & 0xff,
      nameBytes.length >> 8,
    ];
    const method = deflated ? 8 : 0;
    const local = Uint8Array.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0, method, 0, 0, 0, 0, 0, ...sizes, 0, 0, ...nameBytes]);
    central.push(
      0x50,
      0x4b,
      1,
      2,
      20,
      0,
      20,
      0,
      0,
      0,
      method,
      0,
      0,
      0,
      0,
      0,
      ...sizes,
      ...new Array(12).fill(0),
      ...u32(offset),
      ...nameBytes,
    );
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const n = records.length;
  const eocd = [
    0x50,
    0x4b,
    5,
    6,
    0,
    0,
    0,
    0,
    n & 0xff,
    n >> 8,
    n & 0xff,
    n >> 8,
    ...u32(central.length),
    ...u32(offset),
    0,
    0,
  ];
  const out = new Uint8Array(offset + central.length + eocd.length);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  out.set(central, pos);
  out.set(eocd, pos + central.length);
  return out;
}

/** A torch zip checkpoint: `<folder>/data.pkl`, `<folder>/data/<key>`, `<folder>/version`. */
export function torchZip(
  pickle: Uint8Array,
  storages: Array<[string, Uint8Array | DeflatedEntry]>,
  folder = "archive",
): Uint8Array {
  return storedZip([
    [`${folder}/data.pkl`, pickle],
    ...storages.map(([key, data]): [string, Uint8Array | DeflatedEntry] => [`${folder}/data/${key}`, data]),
    [`${folder}/version`, enc.encode("3\n")],
  ]);
}
