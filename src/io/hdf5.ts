// A reader for the subset of HDF5 that Keras and h5py write (HDF5 File Format Specification v3): superblock v0-v3,
// object headers v1 and v2, groups as symbol tables (v1 B-tree + local heap) or compact links, attributes with
// fixed or variable-length strings (global heap), and datasets stored compact, contiguous or chunked (v1 B-tree,
// single-chunk or fixed-array index) through the filters shuffle, deflate and fletcher32.
// Built for hostile files: every offset is checked against the file, every structure is visited once (no cycles),
// and a dataset's shape and type are read from its headers before any data: contiguous data is a view of the
// file's bytes, chunked data is inflated chunk by chunk into a buffer of the declared size, never past it.
// Pure TypeScript over a Uint8Array; no dependency.

import type { DType } from "../tensor/dtype.js";
import { copyChunk, FILTER_NAMES, unfilter, type Filter } from "./hdf5-chunks.js";
import { quoted } from "./quote.js";

export class Hdf5Error extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = "Hdf5Error";
  }
}

/** Chunked (compressed) data may be at most this many times the file's size: the zip rule (zip.ts). */
const MAX_INFLATE_RATIO = 100;
const UNDEFINED = Number.MAX_SAFE_INTEGER; // all-ones addresses read as this
/** Longest link name read from a local heap (Keras names are ~150 bytes). */
const MAX_NAME = 4096;
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export type AttributeValue = string | number | Array<string | number>;

interface DataType {
  /** HDF5 class: 0 integer, 1 float, 3 string, 9 variable-length. */
  cls: number;
  size: number;
  bigEndian: boolean;
  signed: boolean;
  /** Class 9: a string (not a sequence). */
  vlenString: boolean;
}

interface Layout {
  kind: "compact" | "contiguous" | "chunked";
  address: number;
  size: number;
  /** Chunked: the chunk shape (without the element-size dimension) and how chunks are indexed. */
  chunk?: number[];
  index?: { type: "btree1" } | { type: "single"; filteredSize: number; mask: number } | { type: "fixed-array" };
}

interface Message {
  type: number;
  at: number;
  size: number;
}

/** One file; `source` names it in every error. */
export class Hdf5File {
  private readonly view: DataView;
  private offsetSize = 8;
  private lengthSize = 8;
  private base = 0;
  private rootAddress = 0;
  private readonly headers = new Map<number, Message[]>();
  private readonly globalHeaps = new Map<number, Map<number, Uint8Array>>();
  private readonly linkTables = new Map<number, Map<string, number>>();

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readSuperblock();
  }

  fail(message: string): never {
    throw new Hdf5Error(this.source, message);
  }

  // ---- bounds-checked reads ----
  private need(at: number, n: number, what: string): void {
    if (!Number.isSafeInteger(at) || at < 0 || n < 0 || at + n > this.bytes.length)
      this.fail(`${what} at offset ${at} (+${n}) lies outside the file (${this.bytes.length} bytes)`);
  }
  u8(at: number): number {
    this.need(at, 1, "a field");
    return this.bytes[at];
  }
  u16(at: number): number {
    this.need(at, 2, "a field");
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    this.need(at, 4, "a field");
    return this.view.getUint32(at, true);
  }
  /** An unsigned little-endian integer of `n` bytes (1..8); above 2^53 it reads as UNDEFINED. */
  uint(at: number, n: number): number {
    this.need(at, n, "a field");
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[at + i]);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? UNDEFINED : Number(v);
  }
  offset(at: number): number {
    const v = this.uint(at, this.offsetSize);
    return v === UNDEFINED ? UNDEFINED : v + this.base;
  }
  length(at: number): number {
    return this.uint(at, this.lengthSize);
  }
  slice(at: number, n: number, what: string): Uint8Array {
    this.need(at, n, what);
    return this.bytes.subarray(at, at + n);
  }
  private signature(at: number, text: string): boolean {
    if (at < 0 || at + 4 > this.bytes.length) return false;
    for (let i = 0; i < 4; i++) if (this.bytes[at + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  private readSuperblock(): void {
    let at = -1;
    for (let p = 0; p + 8 <= this.bytes.length; p = p === 0 ? 512 : p * 2) {
      if (SIGNATURE.every((b, i) => this.bytes[p + i] === b)) {
        at = p;
        break;
      }
    }
    if (at < 0) this.fail("not an HDF5 file (no HDF5 signature)");
    const version = this.u8(at + 8);
    if (version <= 1) {
      this.offsetSize = this.u8(at + 13);
      this.lengthSize = this.u8(at + 14);
      this.checkSizes();
      let p = at + 24 + (version === 1 ? 4 : 0);
      this.base = this.uint(p, this.offsetSize);
      p += 4 * this.offsetSize; // base, free space, end of file, driver info
      this.rootAddress = this.offset(p + this.offsetSize); // the root symbol table entry's object header
    } else if (version <= 3) {
      this.offsetSize = this.u8(at + 9);
      this.lengthSize = this.u8(at + 10);
      this.checkSizes();
      this.base = this.uint(at + 12, this.offsetSize);
      this.rootAddress = this.offset(at + 12 + 3 * this.offsetSize);
    } else {
      this.fail(`superblock version ${version} is not supported (0 to 3 are)`);
    }
  }

  private checkSizes(): void {
    for (const n of [this.offsetSize, this.lengthSize])
      if (![2, 4, 8].includes(n)) this.fail(`invalid size of offsets or lengths (${n} bytes)`);
  }

  get root(): Hdf5Group {
    return new Hdf5Group(this, "/", this.rootAddress);
  }

  // ---- object headers ----
  /** The messages of the object header at `address` (continuations followed, each block once). */
  messages(address: number): Message[] {
    const known = this.headers.get(address);
    if (known) return known;
    const out: Message[] = [];
    const seen = new Set<number>();
    if (this.signature(address, "OHDR")) this.readV2Header(address, out, seen);
    else this.readV1Header(address, out, seen);
    this.headers.set(address, out);
    return out;
  }

  private readV1Header(address: number, out: Message[], seen: Set<number>): void {
    if (this.u8(address) !== 1) this.fail(`object header at ${address} has version ${this.u8(address)}, not 1 or 2`);
    const count = this.u16(address + 2);
    const blocks: Array<[number, number]> = [[address + 16, this.u32(address + 8)]];
    while (blocks.length > 0 && out.length < count) {
      const [start, size] = blocks.shift()!;
      if (seen.has(start)) this.fail(`object header at ${address}: a continuation block is reached twice`);
      seen.add(start);
      this.need(start, size, "an object header block");
      for (let p = start; p + 8 <= start + size && out.length < count;) {
        const type = this.u16(p);
        const msgSize = this.u16(p + 2);
        this.need(p + 8, msgSize, "a header message");
        if (type === 0x10) blocks.push([this.offset(p + 8), this.length(p + 8 + this.offsetSize)]);
        else out.push({ type, at: p + 8, size: msgSize });
        p += 8 + msgSize;
      }
    }
  }

  private readV2Header(address: number, out: Message[], seen: Set<number>): void {
    const flags = this.u8(address + 5);
    let p = address + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const sizeBytes = 1 << (flags & 3);
    const blocks: Array<[number, number]> = [[p + sizeBytes, this.uint(p, sizeBytes)]];
    const tracked = (flags & 0x04) !== 0;
    while (blocks.length > 0) {
      const [start, size] = blocks.shift()!;
      if (seen.has(start)) this.fail(`object header at ${address}: a continuation block is reached twice`);
      seen.add(start);
      this.need(start, size, "an object header block");
      const end = start + size;
      const headerSize = 4 + (tracked ? 2 : 0);
      for (p = start; p + headerSize <= end;) {
        const type = this.u8(p);
        const msgSize = this.u16(p + 1);
        const data = p + headerSize;
        if (data + msgSize > end) this.fail(`object header at ${address}: a message runs past its block`);
        if (type === 0x10) {
          const next = this.offset(data);
          if (!this.signature(next, "OCHK")) this.fail(`object header continuation at ${next} has no OCHK signature`);
          blocks.push([next + 4, this.length(data + this.offsetSize) - 8]); // signature and checksum
        } else if (type !== 0) out.push({ type, at: data, size: msgSize });
        p = data + msgSize;
      }
    }
  }

  message(address: number, type: number): Message | undefined {
    return this.messages(address).find((m) => m.type === type);
  }

  // ---- datatypes, dataspaces, attributes ----
  datatype(at: number): DataType {
    const classVersion = this.u8(at);
    const bits = this.u8(at + 1);
    return {
      cls: classVersion & 0x0f,
      size: this.u32(at + 4),
      bigEndian: (bits & 1) === 1,
      signed: (bits & 8) !== 0,
      vlenString: (bits & 0x0f) === 1,
    };
  }

  /** The dimensions of a dataspace message (a scalar is []; a null dataspace holds nothing: [0]). */
  dataspace(at: number): number[] {
    const version = this.u8(at);
    const rank = this.u8(at + 1);
    if (rank > 32) this.fail(`a dataspace has ${rank} dimensions (HDF5 allows 32)`);
    if (version === 2 && this.u8(at + 3) === 2) return [0];
    const first = version === 1 ? at + 8 : at + 4;
    const dims: number[] = [];
    for (let i = 0; i < rank; i++) dims.push(this.length(first + i * this.lengthSize));
    return dims;
  }

  attributes(address: number): Map<string, AttributeValue> {
    const out = new Map<string, AttributeValue>();
    for (const m of this.messages(address)) {
      if (m.type === 0x15 && this.offset(m.at + 2 + (this.u8(m.at + 1) & 1 ? 2 : 0)) !== UNDEFINED)
        this.fail(
          `object at ${address} keeps its attributes in dense storage (a fractal heap), which is not supported`,
        );
      if (m.type !== 0x0c) continue;
      const version = this.u8(m.at);
      const nameSize = this.u16(m.at + 2);
      const typeSize = this.u16(m.at + 4);
      const spaceSize = this.u16(m.at + 6);
      const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
      let p = m.at + 8 + (version === 3 ? 1 : 0);
      const name = latin1(this.slice(p, nameSize, "an attribute name")).replace(/\0+$/, "");
      p += pad(nameSize);
      const type = this.datatype(p);
      p += pad(typeSize);
      const dims = this.dataspace(p);
      p += pad(spaceSize);
      out.set(name, this.attributeValue(type, dims, p, m.at + m.size, name));
    }
    return out;
  }

  private attributeValue(type: DataType, dims: number[], at: number, end: number, name: string): AttributeValue {
    const count = dims.reduce((a, b) => a * b, 1);
    const scalar = dims.length === 0;
    const itemSize = type.cls === 9 ? 4 + this.offsetSize + 4 : type.size;
    if (itemSize < 1) this.fail(`attribute ${quoted(name)} has values of ${itemSize} bytes`);
    if (!Number.isSafeInteger(count * itemSize) || at + count * itemSize > end)
      this.fail(`attribute ${quoted(name)}: ${count} values of ${itemSize} bytes do not fit its message`);
    const values: Array<string | number> = [];
    for (let i = 0; i < count; i++) {
      const p = at + i * itemSize;
      if (type.cls === 3) values.push(latin1(this.slice(p, type.size, "a string")).replace(/\0+$/, ""));
      else if (type.cls === 9 && type.vlenString) values.push(this.vlenString(p));
      else if (type.cls === 1 && !type.bigEndian && (type.size === 4 || type.size === 8))
        values.push(type.size === 4 ? this.view.getFloat32(p, true) : this.view.getFloat64(p, true));
      else if (type.cls === 0 && !type.bigEndian && type.size <= 8) values.push(this.uint(p, type.size));
      else this.fail(`attribute ${quoted(name)} has an unsupported type (class ${type.cls}, ${type.size} bytes)`);
    }
    return scalar ? values[0] : values;
  }

  /** A variable-length string: its bytes live in a global heap collection. */
  private vlenString(at: number): string {
    const length = this.u32(at);
    const heap = this.offset(at + 4);
    const index = this.u32(at + 4 + this.offsetSize);
    if (length === 0) return "";
    const data = this.globalHeap(heap).get(index);
    if (!data) this.fail(`global heap at ${heap} has no object ${index}`);
    if (length > data.length) this.fail(`a string of ${length} bytes in a global heap object of ${data.length}`);
    return new TextDecoder().decode(data.subarray(0, length));
  }

  private globalHeap(address: number): Map<number, Uint8Array> {
    const known = this.globalHeaps.get(address);
    if (known) return known;
    if (!this.signature(address, "GCOL")) this.fail(`no global heap at ${address}`);
    const size = this.length(address + 8);
    this.need(address, size, "a global heap");
    const objects = new Map<number, Uint8Array>();
    const end = address + size;
    for (let p = address + 8 + this.lengthSize; p + 8 + this.lengthSize <= end;) {
      const index = this.u16(p);
      if (index === 0) break; // free space
      const objectSize = this.length(p + 8);
      const data = p + 8 + this.lengthSize;
      if (data + objectSize > end) this.fail(`global heap at ${address}: object ${index} runs past the collection`);
      objects.set(index, this.bytes.subarray(data, data + objectSize));
      p = data + Math.ceil(objectSize / 8) * 8;
    }
    this.globalHeaps.set(address, objects);
    return objects;
  }

  // ---- groups ----
  /** The links of the group at `address`: name -> object header address. */
  links(address: number): Map<string, number> {
    const known = this.linkTables.get(address);
    if (known) return known;
    const out = new Map<string, number>();
    this.linkTables.set(address, out);
    const table = this.message(address, 0x11);
    if (table) {
      this.symbolTable(this.offset(table.at), this.offset(table.at + this.offsetSize), out);
      return out;
    }
    for (const m of this.messages(address)) {
      if (m.type === 0x02 && this.offset(m.at + 2 + (this.u8(m.at + 1) & 1 ? 8 : 0)) !== UNDEFINED)
        this.fail(`group at ${address} keeps its links in dense storage (a fractal heap), which is not supported`);
      if (m.type === 0x06) this.link(m, out);
    }
    return out;
  }

  private link(m: Message, out: Map<string, number>): void {
    const flags = this.u8(m.at + 1);
    let p = m.at + 2;
    const type = flags & 0x08 ? this.u8(p++) : 0;
    if (flags & 0x04) p += 8;
    if (flags & 0x10) p++;
    const nameLength = this.uint(p, 1 << (flags & 3));
    p += 1 << (flags & 3);
    const name = new TextDecoder().decode(this.slice(p, nameLength, "a link name"));
    if (type === 0) out.set(name, this.offset(p + nameLength)); // soft and external links are not followed
  }

  /** A v1 B-tree of symbol table nodes (SNOD) with names in a local heap. */
  private symbolTable(btree: number, heap: number, out: Map<string, number>): void {
    if (!this.signature(heap, "HEAP")) this.fail(`no local heap at ${heap}`);
    const heapSize = this.length(heap + 8);
    const heapData = this.offset(heap + 8 + 2 * this.lengthSize);
    this.need(heapData, heapSize, "a local heap");
    const name = (offset: number) => {
      if (offset >= heapSize) this.fail(`a name at ${offset} lies outside its local heap (${heapSize} bytes)`);
      // At most MAX_NAME bytes are scanned for the terminator: many entries into a heap without one stay linear.
      const bytes = this.bytes.subarray(heapData + offset, heapData + Math.min(heapSize, offset + MAX_NAME));
      const end = bytes.indexOf(0);
      if (end < 0) this.fail(`a name in the local heap at ${heap} is longer than ${MAX_NAME} bytes`);
      return new TextDecoder().decode(bytes.subarray(0, end));
    };
    for (const node of this.btreeLeaves(btree, 0)) {
      if (!this.signature(node.child, "SNOD")) this.fail(`no symbol table node at ${node.child}`);
      const count = this.u16(node.child + 6);
      const entrySize = 2 * this.offsetSize + 24;
      this.need(node.child + 8, count * entrySize, "a symbol table node");
      for (let i = 0; i < count; i++) {
        const e = node.child + 8 + i * entrySize;
        out.set(name(this.offset(e)), this.offset(e + this.offsetSize));
      }
    }
  }

  /**
   * The level-0 entries of a v1 B-tree (type 0 groups, type 1 chunks), each node visited once: the key before each
   * child and the child's address. `keySize` is per node type (chunk keys carry the chunk's offsets).
   */
  btreeLeaves(address: number, nodeType: number, rank = 0): Array<{ key: number; child: number }> {
    const keySize = nodeType === 0 ? this.lengthSize : 8 + 8 * (rank + 1);
    const out: Array<{ key: number; child: number }> = [];
    const seen = new Set<number>();
    const visit = (node: number, depth: number) => {
      if (seen.has(node)) this.fail(`B-tree node at ${node} is reached twice`);
      seen.add(node);
      if (!this.signature(node, "TREE")) this.fail(`no B-tree node at ${node}`);
      if (this.u8(node + 4) !== nodeType)
        this.fail(`B-tree node at ${node} has type ${this.u8(node + 4)}, not ${nodeType}`);
      const level = this.u8(node + 5);
      if (level >= depth) this.fail(`B-tree node at ${node} does not descend (level ${level})`);
      const entries = this.u16(node + 6);
      const first = node + 8 + 2 * this.offsetSize;
      this.need(first, entries * (keySize + this.offsetSize) + keySize, "a B-tree node");
      for (let i = 0; i < entries; i++) {
        const key = first + i * (keySize + this.offsetSize);
        const child = this.offset(key + keySize);
        if (level === 0) out.push({ key, child });
        else visit(child, level);
      }
    };
    visit(address, 256);
    return out;
  }

  // ---- datasets ----
  layout(address: number): Layout {
    const m = this.message(address, 0x08) ?? this.fail(`dataset at ${address} has no data layout message`);
    const version = this.u8(m.at);
    if (version < 3) {
      const rank = this.u8(m.at + 1);
      const cls = this.u8(m.at + 2);
      const p = m.at + 8;
      if (cls === 1) return { kind: "contiguous", address: this.offset(p), size: -1 };
      if (cls === 2) {
        const dims = Array.from({ length: rank }, (_, i) => this.u32(p + this.offsetSize + 4 * i));
        return {
          kind: "chunked",
          address: this.offset(p),
          size: -1,
          chunk: dims.slice(0, -1),
          index: { type: "btree1" },
        };
      }
      return this.fail(`dataset at ${address}: layout class ${cls} of layout version ${version} is not supported`);
    }
    const cls = this.u8(m.at + 1);
    if (cls === 0) return { kind: "compact", address: m.at + 4, size: this.u16(m.at + 2) };
    if (cls === 1)
      return { kind: "contiguous", address: this.offset(m.at + 2), size: this.length(m.at + 2 + this.offsetSize) };
    if (cls !== 2) this.fail(`dataset at ${address}: unknown layout class ${cls}`);
    if (version === 3) {
      const rank = this.u8(m.at + 2);
      const p = m.at + 3 + this.offsetSize;
      const dims = Array.from({ length: rank }, (_, i) => this.u32(p + 4 * i));
      return {
        kind: "chunked",
        address: this.offset(m.at + 3),
        size: -1,
        chunk: dims.slice(0, -1),
        index: { type: "btree1" },
      };
    }
    // version 4
    const flags = this.u8(m.at + 2);
    const rank = this.u8(m.at + 3);
    const width = this.u8(m.at + 4);
    let p = m.at + 5;
    const dims = Array.from({ length: rank }, (_, i) => this.uint(p + i * width, width));
    p += rank * width;
    const indexType = this.u8(p++);
    if (indexType === 1) {
      const filtered = (flags & 2) !== 0;
      const filteredSize = filtered ? this.length(p) : -1;
      const mask = filtered ? this.u32(p + this.lengthSize) : 0;
      p += filtered ? this.lengthSize + 4 : 0;
      return {
        kind: "chunked",
        address: this.offset(p),
        size: -1,
        chunk: dims.slice(0, -1),
        index: { type: "single", filteredSize, mask },
      };
    }
    if (indexType === 3)
      return {
        kind: "chunked",
        address: this.offset(p + 1),
        size: -1,
        chunk: dims.slice(0, -1),
        index: { type: "fixed-array" },
      };
    const names = ["", "single chunk", "implicit", "fixed array", "extensible array", "version 2 B-tree"];
    return this.fail(`dataset at ${address}: chunk index "${names[indexType] ?? indexType}" is not supported`);
  }

  filters(address: number): Filter[] {
    const m = this.message(address, 0x0b);
    if (!m) return [];
    const version = this.u8(m.at);
    const count = this.u8(m.at + 1);
    const out: Filter[] = [];
    let p = m.at + (version === 1 ? 8 : 2);
    for (let i = 0; i < count; i++) {
      const id = this.u16(p);
      const hasName = version === 1 || id >= 256;
      const nameLength = hasName ? this.u16(p + 2) : 0;
      p += hasName ? 4 : 2;
      const nValues = this.u16(p + 2);
      p += 4 + (version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength);
      const values = Array.from({ length: nValues }, (_, k) => this.u32(p + 4 * k));
      p += 4 * nValues + (version === 1 && nValues % 2 ? 4 : 0);
      out.push({ id, values });
    }
    return out;
  }

  /** Where each chunk is: its offset in the dataset (element coordinates), address, stored size, filter mask. */
  chunks(
    layout: Layout,
    shape: number[],
    itemSize: number,
    filtered: boolean,
  ): Array<{ offset: number[]; address: number; size: number; mask: number }> {
    const chunk = layout.chunk!;
    const chunkBytes = chunk.reduce((a, b) => a * b, 1) * itemSize;
    if (layout.address === UNDEFINED) return [];
    if (layout.index!.type === "single") {
      const single = layout.index as { filteredSize: number; mask: number };
      return [
        {
          offset: shape.map(() => 0),
          address: layout.address,
          size: filtered ? single.filteredSize : chunkBytes,
          mask: single.mask,
        },
      ];
    }
    if (layout.index!.type === "btree1") {
      return this.btreeLeaves(layout.address, 1, chunk.length).map(({ key, child }) => ({
        size: this.u32(key),
        mask: this.u32(key + 4),
        offset: chunk.map((_, d) => this.uint(key + 8 + 8 * d, 8)),
        address: child,
      }));
    }
    // Fixed array (HDF5 1.10 "latest" format): a header, then one data block listing the chunks in row-major order.
    const header = layout.address;
    if (!this.signature(header, "FAHD")) this.fail(`no fixed array header at ${header}`);
    const entrySize = this.u8(header + 6);
    const pageBits = this.u8(header + 7);
    const count = this.length(header + 8);
    const block = this.offset(header + 8 + this.lengthSize);
    if (!this.signature(block, "FADB")) this.fail(`no fixed array data block at ${block}`);
    if (count > 2 ** pageBits || count > 65536)
      this.fail("paged fixed arrays (more than 1024 chunks) are not supported");
    if (entrySize < this.offsetSize + (filtered ? 5 : 0) || entrySize > this.offsetSize + 12)
      this.fail(`fixed array at ${header} has entries of ${entrySize} bytes`);
    const grid = shape.map((n, d) => Math.ceil(n / chunk[d]));
    if (grid.reduce((a, b) => a * b, 1) !== count) this.fail(`fixed array of ${count} chunks for a grid of ${grid}`);
    const first = block + 6 + this.offsetSize;
    this.need(first, count * entrySize, "a fixed array data block");
    const out = [];
    for (let i = 0; i < count; i++) {
      const e = first + i * entrySize;
      const coords: number[] = [];
      for (let d = grid.length - 1, rest = i; d >= 0; d--) {
        coords.unshift((rest % grid[d]) * chunk[d]);
        rest = Math.floor(rest / grid[d]);
      }
      const address = this.offset(e);
      const size = filtered ? this.uint(e + this.offsetSize, entrySize - this.offsetSize - 4) : chunkBytes;
      const mask = filtered ? this.u32(e + entrySize - 4) : 0;
      if (address !== UNDEFINED) out.push({ offset: coords, address, size, mask });
    }
    return out;
  }
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export class Hdf5Group {
  constructor(
    readonly file: Hdf5File,
    readonly name: string,
    readonly address: number,
  ) {}

  get attrs(): Map<string, AttributeValue> {
    return this.file.attributes(this.address);
  }

  /** The group or dataset at a relative path, or null. */
  get(path: string): Hdf5Group | Hdf5Dataset | null {
    let address = this.address;
    let name = this.name;
    for (const part of path.split("/").filter((p) => p !== "")) {
      const next = this.file.links(address).get(part);
      if (next === undefined) return null;
      address = next;
      name = `${name === "/" ? "" : name}/${part}`;
    }
    return this.file.message(address, 0x08)
      ? new Hdf5Dataset(this.file, name, address)
      : new Hdf5Group(this.file, name, address);
  }
}

export class Hdf5Dataset {
  constructor(
    readonly file: Hdf5File,
    readonly name: string,
    readonly address: number,
  ) {}

  get shape(): number[] {
    const m = this.file.message(this.address, 0x01) ?? this.file.fail(`dataset ${quoted(this.name)} has no dataspace`);
    return this.file.dataspace(m.at);
  }

  /** "F16" / "F32" / "F64" for little-endian floats; anything else is described for the error. */
  get dtype(): DType | string {
    const m = this.file.message(this.address, 0x03) ?? this.file.fail(`dataset ${quoted(this.name)} has no datatype`);
    const t = this.file.datatype(m.at);
    if (t.cls === 1 && !t.bigEndian && (t.size === 2 || t.size === 4 || t.size === 8))
      return t.size === 2 ? "F16" : t.size === 4 ? "F32" : "F64";
    const kinds = [
      "integer",
      "float",
      "time",
      "string",
      "bitfield",
      "opaque",
      "compound",
      "reference",
      "enum",
      "variable-length",
      "array",
    ];
    return `${t.bigEndian ? "big-endian " : ""}${kinds[t.cls] ?? `class ${t.cls}`} of ${t.size} bytes`;
  }

  /** The little-endian element bytes: a view of the file when stored contiguously, else assembled from chunks. */
  read(itemSize: number): Uint8Array {
    const f = this.file;
    const where = `dataset ${quoted(this.name)}`;
    const shape = this.shape;
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = count * itemSize;
    if (!Number.isSafeInteger(bytes)) f.fail(`${where}: shape [${shape}] is too large`);
    const layout = f.layout(this.address);
    if (layout.kind === "compact") {
      if (layout.size !== bytes) f.fail(`${where}: compact data of ${layout.size} bytes for ${bytes}`);
      return f.slice(layout.address, bytes, `${where} data`);
    }
    if (layout.kind === "contiguous") {
      if (layout.address === UNDEFINED)
        return new Uint8Array(bytes > f.bytes.length ? f.fail(`${where}: ${bytes} bytes of fill value`) : bytes);
      if (layout.size >= 0 && layout.size !== bytes) f.fail(`${where}: ${layout.size} bytes stored for ${bytes}`);
      return f.slice(layout.address, bytes, `${where} data`);
    }
    const filters = f.filters(this.address);
    for (const filter of filters) {
      if (filter.id !== 1 && filter.id !== 2 && filter.id !== 3)
        f.fail(
          `${where} uses the HDF5 filter ${FILTER_NAMES[filter.id] ?? "with id " + filter.id}; only shuffle, deflate (gzip) and fletcher32 are supported`,
        );
    }
    const chunk = layout.chunk!;
    if (chunk.length !== shape.length || chunk.some((c) => c < 1))
      f.fail(`${where}: chunk shape [${chunk}] does not fit shape [${shape}]`);
    const limit = filters.length ? MAX_INFLATE_RATIO * f.bytes.length : f.bytes.length;
    if (bytes > limit)
      f.fail(
        `${where}: shape [${shape}] needs ${bytes} bytes, more than ${filters.length ? `${MAX_INFLATE_RATIO} times ` : ""}the file's ${f.bytes.length}`,
      );
    const chunkBytes = chunk.reduce((a, b) => a * b, 1) * itemSize;
    if (chunkBytes > Math.max(limit, bytes)) f.fail(`${where}: chunk shape [${chunk}] is larger than the data`);
    const out = new Uint8Array(bytes);
    for (const c of f.chunks(layout, shape, itemSize, filters.length > 0)) {
      if (c.offset.some((o, d) => o % chunk[d] !== 0 || o >= shape[d]))
        f.fail(`${where}: a chunk at [${c.offset}] is outside the data`);
      const stored = f.slice(c.address, c.size, `${where} chunk`);
      const data = filters.length
        ? unfilter(stored, filters, c.mask, itemSize, chunkBytes, (msg) => f.fail(`${where}: ${msg}`))
        : stored;
      if (data.length < chunkBytes) f.fail(`${where}: a chunk of ${data.length} bytes, expected ${chunkBytes}`);
      copyChunk(out, data, shape, chunk, c.offset, itemSize);
    }
    return out;
  }
}
