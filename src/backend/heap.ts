// One growable memory holding a backend's weights and workspaces. It is a (shared, where the platform
// allows) WebAssembly.Memory, so wasm kernels address it directly and worker threads see the same bytes.
// Offsets are in bytes, 64-byte aligned; a small first-fit free list lets workspaces be resized and takes
// back a model's blocks when the model is garbage-collected. A checkpoint may be read straight into it
// (checkpointArena): its weights are then used where they lie, held once.

import type { Parameter } from "../model/module.js";
import { HEAP_START } from "./kernel-constants.generated.js";

const PAGE = 65536;
const ALIGN = 64;
const MAX_PAGES = 65536; // 4 GiB of address space; only touched pages cost memory

export class Heap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  private f32View: Float32Array;
  private f64View: Float64Array;
  private top = HEAP_START; // below: the wasm kernels' constant table; and no buffer is at "null"
  private readonly freeBlocks: Array<{ offset: number; bytes: number }> = [];
  private readonly sizes = new Map<number, number>();
  // where each parameter array lives here: by parameter, then by role ("data", "bits", "values", "scales",
  // or "float32" for a widened copy of 16-bit / int8 values)
  private readonly placed = new WeakMap<Parameter, Map<string, { source: ArrayBufferView; offset: number }>>();
  // every ArrayBuffer this memory has had (growth replaces memory.buffer): what "lives in this heap" means
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  // Blocks that belong to a model (its weights' copies, its workspaces) are freed when the model is
  // garbage-collected. Without this, every model loaded and dropped stayed here (convnext-tiny loaded and
  // dropped 5 times: 125 -> 625 MB).
  private readonly collected = new FinalizationRegistry<number[]>((offsets) => offsets.forEach((o) => this.free(o)));
  // A checkpoint's block is shared by all the parameters that view it: freed when the last is collected.
  private readonly shares = new FinalizationRegistry<{ offset: number; views: number }>((share) => {
    if (--share.views === 0) this.free(share.offset);
  });

  constructor(shared: boolean) {
    this.shared = shared;
    this.memory = shared
      ? new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
    this.f32View = new Float32Array(this.memory.buffer);
    this.f64View = new Float64Array(this.memory.buffer);
  }

  /** Float32 view of the whole memory (re-created after growth). */
  get f32(): Float32Array {
    if (this.f32View.length * 4 !== this.memory.buffer.byteLength) this.refresh();
    return this.f32View;
  }

  get f64(): Float64Array {
    if (this.f64View.length * 8 !== this.memory.buffer.byteLength) this.refresh();
    return this.f64View;
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes in allocated blocks (what a model's weights and workspaces hold; diagnostics and tests). */
  get bytesInUse(): number {
    let bytes = 0;
    for (const b of this.sizes.values()) bytes += b;
    return bytes;
  }

  private refresh(): void {
    this.f32View = new Float32Array(this.memory.buffer);
    this.f64View = new Float64Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }

  /** Whether `a` views this heap's memory. */
  holds(a: ArrayBufferView): boolean {
    this.buffers.add(this.memory.buffer);
    return this.buffers.has(a.buffer);
  }

  /** Reserves `floats` float32 slots; returns the byte offset. */
  alloc(floats: number): number {
    const bytes = Math.max(ALIGN, Math.ceil((floats * 4) / ALIGN) * ALIGN);
    for (let i = 0; i < this.freeBlocks.length; i++) {
      const block = this.freeBlocks[i];
      if (block.bytes >= bytes) {
        this.freeBlocks.splice(i, 1);
        if (block.bytes > bytes) this.freeBlocks.push({ offset: block.offset + bytes, bytes: block.bytes - bytes });
        this.sizes.set(block.offset, bytes);
        return block.offset;
      }
    }
    const offset = this.top;
    const end = offset + bytes;
    if (end > this.memory.buffer.byteLength) {
      const pages = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      if (this.memory.buffer.byteLength / PAGE + pages > MAX_PAGES) {
        throw new Error(`backend heap: cannot allocate ${bytes} bytes (the 4 GiB memory limit is reached)`);
      }
      this.memory.grow(pages);
    }
    this.top = end;
    this.sizes.set(offset, bytes);
    return offset;
  }

  free(offset: number): void {
    const bytes = this.sizes.get(offset);
    if (bytes === undefined) return;
    this.sizes.delete(offset);
    this.freeBlocks.push({ offset, bytes });
    this.freeBlocks.sort((a, b) => a.offset - b.offset);
    // merge neighbours so freed workspaces can be reused for larger ones
    for (let i = this.freeBlocks.length - 2; i >= 0; i--) {
      const a = this.freeBlocks[i];
      const b = this.freeBlocks[i + 1];
      if (a.offset + a.bytes === b.offset) {
        a.bytes += b.bytes;
        this.freeBlocks.splice(i + 1, 1);
      }
    }
  }

  /**
   * The offset of a parameter's float32 values in this heap: `data` where it lies when it lives here, else a
   * copy made on first use (again if the values are replaced, e.g. by reloading weights); 16-bit values are
   * widened and int8 ones dequantized into a copy.
   */
  parameter(p: Parameter): number {
    const s = p.stored;
    if (!s) return this.place(p, "data", p.data, (v) => (p.data = new Float32Array(v.buffer, v.byteOffset, p.size)));
    this.placeStored(p); // so the parameter no longer views a checkpoint outside the heap
    const source = s.dtype === "I8" ? s.values : s.bits;
    return this.place(p, "float32", source, null, () => p.float32());
  }

  /**
   * The offset of a GEMM weight in its stored format: float32, 16-bit bits, or int8 values (their scales:
   * int8Scales). In place or copied as parameter() does.
   */
  weights(p: Parameter): number {
    return this.placeStored(p);
  }

  /** The offset of an int8 weight's float32 scales, one per output channel. */
  int8Scales(p: Parameter): number {
    const s = p.stored;
    if (s?.dtype !== "I8") throw new Error(`backend heap: a ${p.dtype} parameter has no int8 scales`);
    return this.place(p, "scales", s.scales, (v) => (s.scales = new Float32Array(v.buffer, v.byteOffset, s.scales.length))); // prettier-ignore
  }

  /** The stored arrays of `p` placed in this heap (int8: values and scales); returns the values' offset. */
  private placeStored(p: Parameter): number {
    const s = p.stored;
    if (!s) return this.parameter(p);
    if (s.dtype !== "I8") return this.place(p, "bits", s.bits, (v) => (s.bits = new Uint16Array(v.buffer, v.byteOffset, p.size))); // prettier-ignore
    this.int8Scales(p);
    return this.place(p, "values", s.values, (v) => (s.values = new Int8Array(v.buffer, v.byteOffset, p.size)));
  }

  /**
   * Where `source` (a parameter's array in role `role`) lies in this heap. An array that views this heap is
   * used in place; any other is copied on first use (again when the parameter's array is replaced): `values`
   * gives the copy's contents when they are not `source`'s bytes, and with shared memory `repoint` makes the
   * parameter view its copy, so it is held once (views survive growth only when the memory is shared).
   */
  private place(
    p: Parameter,
    role: string,
    source: ArrayBufferView,
    repoint: ((copy: Uint8Array) => ArrayBufferView) | null,
    values?: () => ArrayBufferView,
  ): number {
    let roles = this.placed.get(p);
    if (!roles) this.placed.set(p, (roles = new Map()));
    const known = roles.get(role);
    if (known && known.source === source) return known.offset;
    if (known) this.freeNow(known, [known.offset]);
    if (!values && this.holds(source)) {
      roles.set(role, { source, offset: source.byteOffset }); // in place: the block belongs to its checkpoint
      return source.byteOffset;
    }
    const contents = values ? values() : source;
    const bytes = new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength);
    const offset = this.alloc(Math.ceil(bytes.length / 4));
    new Uint8Array(this.memory.buffer).set(bytes, offset);
    let now = source;
    if (this.shared && repoint) {
      const view = new Uint8Array(this.memory.buffer, offset, bytes.length);
      this.buffers.add(view.buffer);
      now = repoint(view);
    }
    const entry = { source: now, offset };
    roles.set(role, entry);
    // kept while something can read it: the view handed out (shared memory), else the parameter itself
    this.freeWhenCollected(now === source ? p : now, [offset], entry);
    return offset;
  }

  /**
   * For reading a checkpoint straight into this heap (shared memory only, so the views survive growth):
   * `allocate(bytes)` hands out a block as bytes to read into; `adopt(arrays)`, once the model's parameters
   * are set, keeps each block while any of the given arrays inside it lives, and frees the others now.
   */
  checkpointArena(): { allocate: (bytes: number) => Uint8Array; adopt: (arrays: ArrayBufferView[]) => void } | null {
    if (!this.shared) return null;
    const blocks: Array<{ offset: number; bytes: number }> = [];
    return {
      allocate: (bytes) => {
        const offset = this.alloc(Math.ceil(bytes / 4));
        blocks.push({ offset, bytes });
        const view = new Uint8Array(this.memory.buffer, offset, bytes);
        this.buffers.add(view.buffer);
        return view;
      },
      adopt: (arrays) => {
        for (const block of blocks.splice(0)) {
          const inside = arrays.filter(
            (a) => this.holds(a) && a.byteOffset >= block.offset && a.byteOffset < block.offset + block.bytes,
          );
          if (inside.length === 0) this.free(block.offset);
          const share = { offset: block.offset, views: inside.length };
          for (const a of inside) this.shares.register(a, share);
        }
      },
    };
  }

  /** Frees the blocks at `offsets` once `owner` is garbage-collected, unless freeNow(token, ...) ran first. */
  freeWhenCollected(owner: object, offsets: number[], token: object): void {
    this.collected.register(owner, offsets, token);
  }

  /** Frees blocks registered with freeWhenCollected under `token`, now. */
  freeNow(token: object, offsets: number[]): void {
    this.collected.unregister(token);
    for (const offset of offsets) this.free(offset);
  }

  /** A Float32Array view of `floats` values at byte `offset` (valid across growth when shared). */
  view(offset: number, floats: number): Float32Array {
    this.buffers.add(this.memory.buffer);
    return new Float32Array(this.memory.buffer, offset, floats);
  }
}

/**
 * Whether a shared WebAssembly.Memory can be made here (the wasm kernels import one). Browsers allow it on
 * pages that are not cross-origin isolated too; there it only cannot be sent to a worker.
 */
export function sharedMemorySupported(): boolean {
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether memory can be shared with worker threads: SharedArrayBuffer is exposed, which a browser does only
 * on a cross-origin isolated page (COOP + COEP headers).
 */
export function threadsSupported(): boolean {
  return sharedMemorySupported() && typeof SharedArrayBuffer !== "undefined";
}
