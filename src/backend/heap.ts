// One growable memory holding a backend's weights and workspaces. It is a (shared, where the platform
// allows) WebAssembly.Memory, so wasm kernels address it directly and worker threads see the same bytes.
// Offsets are in bytes, 64-byte aligned; a small first-fit free list lets workspaces be resized and takes
// back a model's blocks when the model is garbage-collected.

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
  private readonly parameters = new WeakMap<object, { data: Float32Array; offset: number }>();
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
   * The offset of a weight's copy in this heap, made on first use (again if its data was replaced, e.g. by
   * reloading weights). Held once: with shared memory, p.data becomes a view of the heap copy.
   */
  parameter(p: { data: Float32Array }): number {
    const known = this.parameters.get(p);
    if (known && known.data === p.data) return known.offset;
    if (known) this.freeNow(known, [known.offset]);
    const offset = this.alloc(p.data.length);
    this.f32.set(p.data, offset >> 2);
    if (this.shared) p.data = this.view(offset, p.data.length); // views survive growth only when shared
    const entry = { data: p.data, offset };
    this.parameters.set(p, entry);
    // kept while something can read it: the view handed out (shared memory), else the parameter itself
    this.freeWhenCollected(this.shared ? p.data : p, [offset], entry);
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
