// The safetensors format, parsed from bytes (no file system): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}, then the data.
// Every field is validated, so a truncated or hostile file fails here with a message, never later.

import { DTYPE_BYTES, decodeToFloat32, isDType, type DType } from "../tensor/dtype.js";
import { numel, Tensor } from "../tensor/tensor.js";
import { quoted } from "./quote.js";

/** Largest JSON header accepted (the reference Rust implementation uses the same 100 MB limit). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Most tensors in one file: a ConvNeXT has under 1,000, the largest published shards ~10,000. */
export const MAX_TENSORS = 100_000;

export interface RawTensor {
  dtype: DType;
  shape: number[];
  /** Little-endian element bytes (a view into the file). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: invalid safetensors file: ${message}`);
    this.name = "SafetensorsError";
  }
}

/** Parses a whole safetensors file. `source` names the file in error messages. */
export function parseSafetensors(buf: Uint8Array, source = "safetensors"): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new SafetensorsError(source, msg);
  };
  if (buf.length < 8) fail(`file is ${buf.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES))
    fail(`header length ${headerLen} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const n = Number(headerLen);
  if (8 + n > buf.length) fail(`header length ${n} runs past the end of the file (${buf.length} bytes)`);
  let header: unknown;
  try {
    // a copy: browsers' TextDecoder refuses a view of shared memory (a checkpoint read into the kernels' heap)
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(buf.slice(8, 8 + n)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
  const names = Object.keys(header as object);
  if (names.length > MAX_TENSORS + 1) fail(`header has ${names.length} entries, above the limit of ${MAX_TENSORS}`);

  const data = buf.subarray(8 + n);
  const tensors = new Map<string, RawTensor>();
  let metadata: Record<string, string> = {};
  const spans: Array<[number, number, string]> = [];
  for (const name of names) {
    const entry = (header as Record<string, unknown>)[name];
    const tensor = `tensor ${quoted(name)}`;
    if (name === "__metadata__") {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) fail("__metadata__ is not an object");
      metadata = Object.fromEntries(Object.entries(entry as object).map(([k, v]) => [k, String(v)]));
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) fail(`entry ${quoted(name)} is not an object`);
    if (typeof e.dtype !== "string" || !isDType(e.dtype)) fail(`${tensor} has unknown dtype ${quoted(e.dtype)}`);
    const dtype = e.dtype as DType;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${tensor} has an invalid shape ${quoted(e.shape)}`);
    }
    const shape = e.shape as number[];
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`${tensor} has invalid data_offsets ${quoted(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > data.length)
      fail(`${tensor} data_offsets [${begin}, ${end}] run past the data section (${data.length} bytes)`);
    const expected = numel(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      const dims = shape.length <= 16 ? `[${shape.join(", ")}]` : quoted(shape);
      fail(`${tensor} is ${dtype} of shape ${dims} = ${expected} bytes, but data_offsets span ${end - begin}`);
    }
    spans.push([begin, end, name]);
    tensors.set(name, { dtype, shape, bytes: data.subarray(begin, end) });
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) fail(`tensors ${quoted(spans[i - 1][2])} and ${quoted(spans[i][2])} overlap`);
  }
  return { tensors, metadata };
}

/** One raw tensor as float32 (F16/BF16/F64 and integer labels decoded; aligned F32 a view of the file's bytes). */
export function rawToTensor(raw: RawTensor): Tensor {
  return new Tensor(decodeToFloat32(raw.bytes, raw.dtype, numel(raw.shape)), raw.shape);
}

/**
 * Serialises tensors: float32 Tensors, or raw tensors of any dtype (e.g. int64 labels); keys in the given
 * order, data laid out as serializeRawSafetensors does.
 */
export function serializeSafetensors(
  tensors: Iterable<[string, Tensor | RawTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const raw = [...tensors].map(([name, t]): [string, RawTensor] =>
    t instanceof Tensor
      ? [name, { dtype: "F32", shape: [...t.shape], bytes: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) }] // prettier-ignore
      : [name, t],
  );
  return serializeRawSafetensors(raw, metadata);
}

/**
 * Serialises tensors of any dtype, given as little-endian bytes: keys in the given order, data ordered by
 * element size (widest first, as the safetensors library does), so every tensor starts aligned to its
 * element size and loads as a view of the file's bytes.
 */
export function serializeRawSafetensors(
  tensors: Iterable<[string, RawTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const given = [...tensors];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  for (const [name, t] of given) {
    const bytes = numel(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.bytes.length !== bytes) throw new Error(`tensor "${name}": ${t.dtype} ${JSON.stringify(t.shape)} needs ${bytes} bytes, got ${t.bytes.length}`); // prettier-ignore
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [0, 0] };
  }
  const entries = [...given].sort((a, b) => DTYPE_BYTES[b[1].dtype] - DTYPE_BYTES[a[1].dtype]); // stable
  let offset = 0;
  for (const [name, t] of entries) {
    (header[name] as { data_offsets: number[] }).data_offsets = [offset, offset + t.bytes.length];
    offset += t.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8; // spaces so the data starts 8-byte aligned
  const headerBytes = new Uint8Array(json.length + pad).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of entries) {
    out.set(t.bytes, pos);
    pos += t.bytes.length;
  }
  return out;
}
