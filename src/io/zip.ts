// A small, strict zip reader for PyTorch checkpoints (torch.save writes an uncompressed zip).
// Reads the central directory (zip64 included), checks every offset against the buffer and the
// CRC-32 of every entry read, so a truncated or hostile archive fails here with the file's name.
// Pure: Uint8Array in, Uint8Array out; deflated entries go through ../preprocess/inflate.ts, capped at their declared size.

import { crc32 } from "../preprocess/crc32.js";
import { inflate } from "../preprocess/inflate.js";
import { quoted } from "./quote.js";

export class ZipError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: invalid zip archive: ${message}`);
    this.name = "ZipError";
  }
}

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's data (after its local header) in the archive. */
  dataOffset: number;
}

export interface ZipArchive {
  source: string;
  entries: Map<string, ZipEntry>;
  /** The entry's uncompressed bytes (a view into the archive when stored), CRC-checked. */
  read(name: string): Promise<Uint8Array>;
}

/** Most entries accepted; a checkpoint has one per tensor storage plus a few records. */
export const MAX_ZIP_ENTRIES = 1_000_000;

/**
 * Zip-bomb rule of Apache POI's ZipSecureFile: a deflated entry may not declare more than 100 times its
 * compressed size, once it is above 100 KB. Weights barely compress (torch.save does not even deflate), so
 * this never refuses a real checkpoint, and a file can then never make the reader hold more than 100x its size.
 */
export const MAX_INFLATE_RATIO = 100;
export const INFLATE_GRACE_BYTES = 100 * 1024;

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

/** True when the bytes start like a zip archive (local file header signature "PK\3\4"). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function openZip(bytes: Uint8Array, source = "zip"): ZipArchive {
  const fail = (msg: string): never => {
    throw new ZipError(source, msg);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`64-bit field at offset ${at} is too large (${v})`);
    return Number(v);
  };
  const need = (at: number, len: number, what: string) => {
    if (at < 0 || at + len > bytes.length)
      fail(`${what} at offset ${at} runs past the end of the file (${bytes.length} bytes)`);
  };

  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === EOCD_SIG && at + 22 + u16(at + 20) === bytes.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail("no end-of-central-directory record (truncated or not a zip file)");
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || u32(locator) !== ZIP64_LOCATOR_SIG)
      fail("zip64 sizes without a zip64 end-of-central-directory locator");
    const record = u64(locator + 8);
    need(record, 56, "zip64 end-of-central-directory record");
    if (u32(record) !== ZIP64_EOCD_SIG) fail(`no zip64 end-of-central-directory record at offset ${record}`);
    count = u64(record + 32);
    cdSize = u64(record + 40);
    cdOffset = u64(record + 48);
  }
  if (count > MAX_ZIP_ENTRIES) fail(`${count} entries exceed the limit of ${MAX_ZIP_ENTRIES}`);
  need(cdOffset, cdSize, "central directory");

  const decoder = new TextDecoder("utf-8", { fatal: false });
  const entries = new Map<string, ZipEntry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    need(at, 46, `central directory entry ${i}`);
    if (u32(at) !== CENTRAL_SIG) fail(`central directory entry ${i} at offset ${at} has a bad signature`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc32 = u32(at + 16);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    let localOffset = u32(at + 42);
    need(at + 46, nameLen + extraLen + commentLen, `central directory entry ${i}`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // Zip64 extended information: the 64-bit values, in this order, for the fields that are 0xffffffff.
    for (let e = at + 46 + nameLen; e + 4 <= at + 46 + nameLen + extraLen;) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let p = e + 4;
        const take = (): number => {
          if (p + 8 > e + 4 + len) fail(`entry ${quoted(name)} has a short zip64 extra field`);
          const v = u64(p);
          p += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`entry ${quoted(name)} is encrypted`);
    if (method !== 0 && method !== 8)
      fail(`entry ${quoted(name)} uses compression method ${method} (only stored and deflate are supported)`);
    if (method === 0 && compressedSize !== size)
      fail(`stored entry ${quoted(name)} has compressed size ${compressedSize} != size ${size}`);
    need(localOffset, 30, `local header of ${quoted(name)}`);
    if (u32(localOffset) !== LOCAL_SIG)
      fail(`local header of ${quoted(name)} at offset ${localOffset} has a bad signature`);
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    need(dataOffset, compressedSize, `data of ${quoted(name)}`);
    if (entries.has(name)) fail(`duplicate entry ${quoted(name)}`);
    entries.set(name, { name, method, crc32, compressedSize, size, dataOffset });
    at += 46 + nameLen + extraLen + commentLen;
  }

  return {
    source,
    entries,
    async read(name: string): Promise<Uint8Array> {
      const entry = entries.get(name);
      if (!entry) throw new ZipError(source, `no entry ${quoted(name)}`);
      const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
      if (entry.method === 8 && entry.size > INFLATE_GRACE_BYTES && entry.size > MAX_INFLATE_RATIO * raw.length) {
        fail(
          `entry ${quoted(name)} would inflate ${raw.length} bytes to ${entry.size} (more than ${MAX_INFLATE_RATIO}:1, ` +
            "a decompression bomb)",
        );
      }
      const data = entry.method === 0 ? raw : inflateEntry(raw, entry.size, name, fail);
      if (data.length !== entry.size)
        fail(`entry ${quoted(name)} inflates to ${data.length} bytes, expected ${entry.size}`);
      const crc = crc32(data);
      if (crc !== entry.crc32)
        fail(`entry ${quoted(name)} is corrupt (CRC-32 ${hex(crc)}, expected ${hex(entry.crc32)})`);
      return data;
    },
  };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** A deflated entry, inflated into a buffer of its declared size and never past it. */
function inflateEntry(data: Uint8Array, size: number, name: string, fail: (msg: string) => never): Uint8Array {
  const z = inflate(data, { limit: size, zlib: false });
  if (z.error) fail(`entry ${quoted(name)} cannot be inflated (${z.error})`);
  if (!z.streamEnd && z.produced === size)
    fail(`entry ${quoted(name)} inflates past its declared size of ${size} bytes`);
  return z.output.subarray(0, z.produced);
}
