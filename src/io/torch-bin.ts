// pytorch_model.bin -> raw tensors. Two containers exist: the zip archive torch.save writes since 1.6
// (<folder>/data.pkl + one <folder>/data/<key> record per storage) and the legacy stream before it (five
// pickles back to back, then every storage as an int64 element count + raw bytes). Both pickles go through
// the restricted unpickler; tensors must be contiguous views of little-endian storages.

import { DTYPE_BYTES, type DType } from "../tensor/dtype.js";
import {
  PickleError,
  PyDict,
  storageDType,
  TensorRef,
  unpickle,
  describe,
  type PyValue,
  type StorageRefLike,
} from "./pickle.js";
import type { RawTensor } from "./safetensors.js";
import { quoted } from "./quote.js";
import { looksLikeZip, openZip } from "./zip.js";

export class TorchCheckpointError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = "TorchCheckpointError";
  }
}

interface StorageRef extends StorageRefLike {
  kind: "storage";
  key: string;
  dtype: DType;
  /** Number of elements, as recorded in the persistent id. */
  numel: number;
}

/** Magic number opening a legacy (pre-zip) torch.save stream. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** Reads a whole pytorch_model.bin (zip or legacy); `source` names the file in errors. */
export async function readTorchBin(bytes: Uint8Array, source: string): Promise<Map<string, RawTensor>> {
  if (looksLikeZip(bytes)) return readZipCheckpoint(bytes, source);
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) return readLegacyCheckpoint(bytes, source);
  throw new TorchCheckpointError(
    source,
    "not a PyTorch checkpoint (neither a torch zip archive nor a legacy torch.save stream)",
  );
}

/** Builds the persistent-load callback: ('storage', torch.<X>Storage, key, location, numel[, view]). */
function storageLoader(source: string, storages: Map<string, StorageRef>, legacy: boolean) {
  return (pid: PyValue): StorageRef => {
    const fail = (msg: string): never => {
      throw new TorchCheckpointError(source, `bad storage reference: ${msg}`);
    };
    if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5)
      return fail(`persistent id ${describe(pid)} is not ('storage', type, key, location, numel)`);
    const [, type, key, location, numel, view] = pid;
    const dtype = storageDType(type);
    if (!dtype) return fail(`unsupported storage type ${describe(type)}`);
    if (typeof key !== "string") return fail(`storage key ${describe(key)} is not a string`);
    if (typeof location !== "string") return fail(`storage location ${describe(location)} is not a string`);
    if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0)
      return fail(`storage "${key}" has element count ${describe(numel)}`);
    if (legacy && view !== undefined && view !== null)
      fail(`storage "${key}" is a view of another storage (pre-1.0 checkpoints), not supported`);
    const known = storages.get(key);
    if (known) {
      if (known.dtype !== dtype || known.numel !== numel)
        fail(`storage "${key}" is referenced with two different types or sizes`);
      return known;
    }
    const ref: StorageRef = { kind: "storage", key, dtype, numel };
    storages.set(key, ref);
    return ref;
  };
}

async function readZipCheckpoint(bytes: Uint8Array, source: string): Promise<Map<string, RawTensor>> {
  const zip = openZip(bytes, source);
  const pickles = [...zip.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name) || name === "data.pkl");
  if (pickles.length !== 1) {
    throw new TorchCheckpointError(
      source,
      `expected one <folder>/data.pkl record in the torch zip archive, found ${pickles.length}`,
    );
  }
  const prefix = pickles[0].slice(0, -"data.pkl".length);
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(await zip.read(pickles[0]), {
    source: `${source} (${pickles[0]})`,
    persistentLoad: storageLoader(source, storages, false),
  });
  const data = new Map<string, Uint8Array>();
  for (const ref of storages.values()) {
    const record = `${prefix}data/${ref.key}`;
    if (!zip.entries.has(record)) throw new TorchCheckpointError(source, `storage record "${record}" is missing`);
    const raw = await zip.read(record);
    const need = ref.numel * DTYPE_BYTES[ref.dtype];
    if (raw.length !== need) {
      throw new TorchCheckpointError(
        source,
        `storage record "${record}" has ${raw.length} bytes, expected ${ref.numel} × ${DTYPE_BYTES[ref.dtype]} = ${need}`,
      );
    }
    data.set(ref.key, raw);
  }
  return collectTensors(value, data, source);
}

async function readLegacyCheckpoint(bytes: Uint8Array, source: string): Promise<Map<string, RawTensor>> {
  const next = (offset: number, what: string, persistentLoad?: (pid: PyValue) => StorageRefLike) => {
    try {
      return unpickle(bytes, { source: `${source} (legacy ${what} pickle)`, offset, persistentLoad });
    } catch (e) {
      if (e instanceof PickleError) throw e;
      throw new TorchCheckpointError(source, `legacy torch.save stream: ${(e as Error).message}`);
    }
  };
  const magic = next(0, "magic number");
  if (magic.value !== LEGACY_MAGIC)
    throw new TorchCheckpointError(source, "not a PyTorch checkpoint (legacy magic number missing)");
  const protocol = next(magic.end, "protocol version");
  if (protocol.value !== LEGACY_PROTOCOL)
    throw new TorchCheckpointError(
      source,
      `legacy protocol version ${describe(protocol.value)}, expected ${LEGACY_PROTOCOL}`,
    );
  const sysInfo = next(protocol.end, "sys_info");
  if (!(sysInfo.value instanceof PyDict) || sysInfo.value.items.get("little_endian") !== true) {
    throw new TorchCheckpointError(
      source,
      "legacy checkpoint is not marked little-endian (big-endian files are not supported)",
    );
  }
  const storages = new Map<string, StorageRef>();
  const object = next(sysInfo.end, "object", storageLoader(source, storages, true));
  const keys = next(object.end, "storage keys");
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === "string")) {
    throw new TorchCheckpointError(source, "legacy storage key list is not a list of strings");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Map<string, Uint8Array>();
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const ref = storages.get(key);
    if (!ref) throw new TorchCheckpointError(source, `legacy storage "${key}" is not used by any tensor`);
    if (pos + 8 > bytes.length) throw new TorchCheckpointError(source, `truncated before storage "${key}"`);
    const count = view.getBigInt64(pos, true);
    if (count !== BigInt(ref.numel))
      throw new TorchCheckpointError(
        source,
        `legacy storage "${key}" holds ${count} elements, its reference says ${ref.numel}`,
      );
    const size = ref.numel * DTYPE_BYTES[ref.dtype];
    if (pos + 8 + size > bytes.length)
      throw new TorchCheckpointError(source, `truncated inside storage "${key}" (needs ${size} bytes)`);
    data.set(key, bytes.subarray(pos + 8, pos + 8 + size));
    pos += 8 + size;
  }
  for (const key of storages.keys())
    if (!data.has(key)) throw new TorchCheckpointError(source, `legacy storage "${key}" has no data`);
  if (pos !== bytes.length)
    throw new TorchCheckpointError(source, `${bytes.length - pos} unexpected bytes after the last storage`);
  return collectTensors(object.value, data, source);
}

/** The state dict: a dict / OrderedDict of name -> tensor (OrderedDict `_metadata` is an attribute, ignored). */
function collectTensors(value: PyValue, data: Map<string, Uint8Array>, source: string): Map<string, RawTensor> {
  if (!(value instanceof PyDict))
    throw new TorchCheckpointError(source, `the pickled object is ${describe(value)}, not a state dict`);
  const tensors = new Map<string, RawTensor>();
  for (const [key, v] of value.items) {
    if (typeof key !== "string")
      throw new TorchCheckpointError(source, `state dict key ${describe(key)} is not a string`);
    if (!(v instanceof TensorRef)) {
      const hint =
        v instanceof PyDict
          ? " (a training checkpoint? only model state dicts, as save_pretrained writes, are supported)"
          : "";
      throw new TorchCheckpointError(source, `state dict entry "${key}" is ${describe(v)}, not a tensor${hint}`);
    }
    tensors.set(key, materialize(key, v, data, source));
  }
  return tensors;
}

function materialize(key: string, t: TensorRef, data: Map<string, Uint8Array>, source: string): RawTensor {
  const fail = (msg: string): never => {
    throw new TorchCheckpointError(source, `tensor "${key}": ${msg}`);
  };
  const storage = t.storage as StorageRef;
  if (!storage || storage.kind !== "storage") fail(`its storage is ${describe(t.storage)}, not a storage reference`);
  const bytes = data.get(storage.key) ?? fail(`storage "${storage.key}" has no data`);
  const count = t.shape.reduce((a, b) => a * b, 1);
  // Only row-major contiguous views are accepted (what state_dict() holds); size-1 dims may have any stride.
  let expected = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== expected) {
      fail(`is not contiguous (size ${quoted(t.shape)}, stride ${quoted(t.stride)}); save it with .contiguous() first`);
    }
    expected *= t.shape[d];
  }
  if (count > 0 && t.offset + count > storage.numel) {
    fail(`elements [${t.offset}, ${t.offset + count}) run past its storage of ${storage.numel} elements`);
  }
  const size = DTYPE_BYTES[storage.dtype];
  return {
    dtype: storage.dtype,
    shape: [...t.shape],
    bytes: count === 0 ? new Uint8Array(0) : bytes.subarray(t.offset * size, (t.offset + count) * size),
  };
}
