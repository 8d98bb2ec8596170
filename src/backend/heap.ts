// One growable memory holding a backend's weights and workspaces. It is a (shared, where the platform
// allows) WebAssembly.Memory, so wasm kernels address it directly and worker threads see the same bytes.
// Offsets are in bytes, 64-byte aligned; a small first-fit free list lets workspaces be resized and takes
// back a model's blocks when the model is garbage-collected.

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
  private readonly parameters = {
    float32: new WeakMap<Parameter, { source: ArrayBufferView; offset: number }>(),
    stored: new WeakMap<Parameter, { source: ArrayBufferView; offset: number }>(),
  };
  // Blocks that belong to a model (its weights' copies, its workspaces) are freed when the model is
  // garbage-collected. Without this, every model loaded and dropped stayed here (convnext-tiny loaded and
  // dropped 5 times: 125 -> 625 MB).
  private readonly collected = new FinalizationRegistry<number[]>((offsets) => offsets.forEach((o) => this.free(o)));

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
   * The offset of a parameter's float32 copy in this heap, made on first use (again if its values were
   * replaced, e.g. by reloading weights); 16-bit values are widened and int8 ones dequantized into it.
   */
  parameter(p: Parameter): number {
    return this.upload(p, "float32");
  }

  /**
   * The offset of a GEMM weight's copy in its stored format: float32, 16-bit bits, or int8 values followed by
   * their float32 scales (at int8ScalesOffset).
   */
  weights(p: Parameter): number {
    return this.upload(p, "stored");
  }

  /**
   * Copies made on first use, held once: with shared memory the parameter's arrays become views of the heap
   * copy (so the checkpoint's bytes they viewed can be collected). A 16-bit or int8 parameter read as float32
   * gets one block holding the float32 values and, after them, its stored bytes (which it then views).
   */
  private upload(p: Parameter, kind: "float32" | "stored"): number {
    const s = p.stored;
    const source: ArrayBufferView = s ? (s.dtype === "I8" ? s.values : s.bits) : p.data;
    const cache = this.parameters[s ? kind : "float32"]; // float32 parameters: one copy serves both
    const known = cache.get(p);
    if (known && known.source === source) return known.offset;
    if (known) this.freeNow(known, [known.offset]);
    const n = p.size;
    const floats = !s ? n : kind === "float32" ? n : 0;
    const storedBytes = !s ? 0 : s.dtype === "I8" ? int8ScalesOffset(n) + 4 * s.scales.length : 2 * n;
    const offset = this.alloc(floats + Math.ceil(storedBytes / 4));
    const at = offset + 4 * floats; // the stored bytes
    if (!s) {
      this.f32.set(p.data, offset >> 2);
      if (this.shared) p.data = this.view(offset, n); // views survive growth only when shared
    } else {
      if (floats) this.f32.set(p.float32(), offset >> 2);
      const bytes = new Uint8Array(this.memory.buffer);
      if (s.dtype === "I8") {
        bytes.set(new Uint8Array(s.values.buffer, s.values.byteOffset, n), at);
        this.f32.set(s.scales, (at + int8ScalesOffset(n)) >> 2);
        if (this.shared) {
          s.values = new Int8Array(this.memory.buffer, at, n);
          s.scales = new Float32Array(this.memory.buffer, at + int8ScalesOffset(n), s.scales.length);
        }
      } else {
        bytes.set(new Uint8Array(s.bits.buffer, s.bits.byteOffset, 2 * n), at);
        if (this.shared) s.bits = new Uint16Array(this.memory.buffer, at, n);
      }
    }
    const now: ArrayBufferView = !s ? p.data : s.dtype === "I8" ? s.values : s.bits;
    const entry = { source: now, offset };
    cache.set(p, entry);
    // kept while something can read it: the view handed out (shared memory), else the parameter itself
    this.freeWhenCollected(this.shared ? now : p, [offset], entry);
    return offset;
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
    return new Float32Array(this.memory.buffer, offset, floats);
  }
}

/** Where an int8 weight's float32 scales start, from the start of its heap copy: after n values, 16-byte aligned. */
export const int8ScalesOffset = (n: number) => Math.ceil(n / 16) * 16;

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
