// Chunked HDF5 data: the filter pipeline h5py writes (shuffle, deflate, fletcher32) undone chunk by chunk, never
// inflating past the chunk's size, and chunks copied into the dataset, clipped at its edges.

import { inflate } from "../preprocess/inflate.js";

export interface Filter {
  id: number;
  values: number[];
}

/** HDF5 filter ids, to name the ones this reader cannot apply. */
export const FILTER_NAMES: Record<number, string> = {
  1: "deflate",
  2: "shuffle",
  3: "fletcher32",
  4: "szip",
  5: "nbit",
  6: "scaleoffset",
  307: "bzip2",
  32000: "lzf",
  32001: "blosc",
  32004: "lz4",
  32008: "bitshuffle",
  32015: "zstd",
};

/** Inflates, unshuffles and checks one chunk, in the reverse order of the pipeline, to exactly `chunkBytes`. */
export function unfilter(
  data: Uint8Array,
  filters: Filter[],
  mask: number,
  itemSize: number,
  chunkBytes: number,
  fail: (message: string) => never,
): Uint8Array {
  let buf = data;
  for (let i = filters.length - 1; i >= 0; i--) {
    if (mask & (1 << i)) continue;
    const f = filters[i];
    if (f.id === 3) {
      if (buf.length < 4) fail(`a chunk too short for its fletcher32 checksum`);
      const body = buf.subarray(0, buf.length - 4);
      const stored = new DataView(buf.buffer, buf.byteOffset + body.length, 4).getUint32(0, true);
      const sum = fletcher32(body);
      // HDF5 also accepts the byte-swapped sum that 1.6.0-1.6.2 wrote
      const swapped = ((sum & 0xff) << 24) | ((sum & 0xff00) << 8) | ((sum >>> 8) & 0xff00) | (sum >>> 24);
      if (sum !== stored && swapped >>> 0 !== stored)
        fail(`a chunk fails its fletcher32 checksum (the file is damaged)`);
      buf = body;
    } else if (f.id === 1) {
      const z = inflate(buf, { limit: chunkBytes });
      if (z.error) fail(`a chunk does not inflate (${z.error})`);
      if (z.produced !== chunkBytes || !z.streamEnd)
        fail(`a chunk inflates to ${z.streamEnd ? z.produced : "more than " + chunkBytes} bytes, not ${chunkBytes}`);
      buf = z.output;
    } else if (f.id === 2) {
      const size = f.values[0] ?? itemSize;
      buf = unshuffle(buf, size > 0 ? size : itemSize);
    }
  }
  return buf;
}

/** HDF5's H5_checksum_fletcher32: 16-bit big-endian words, sums folded as in H5checksum.c. */
export function fletcher32(data: Uint8Array): number {
  let sum1 = 0;
  let sum2 = 0;
  const words = data.length >> 1;
  for (let i = 0; i < words;) {
    const end = Math.min(words, i + 360);
    for (; i < end; i++) {
      sum1 += (data[2 * i] << 8) | data[2 * i + 1];
      sum2 += sum1;
    }
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (data.length & 1) {
    sum1 += data[data.length - 1] << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}

/** The shuffle filter stores byte k of every element together; put the elements back. */
function unshuffle(data: Uint8Array, size: number): Uint8Array {
  const count = Math.floor(data.length / size);
  const out = data.slice(); // a trailing partial element stays as stored
  if (count === 0) return out; // an element size beyond the chunk (hostile client data): nothing to move
  for (let b = 0; b < size; b++) for (let i = 0; i < count; i++) out[i * size + b] = data[b * count + i];
  return out;
}

/** Copies a (row-major) chunk at `offset` into the dataset, clipped at its edges, a run of the last axis at a time. */
export function copyChunk(
  out: Uint8Array,
  data: Uint8Array,
  shape: number[],
  chunk: number[],
  offset: number[],
  itemSize: number,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out.set(data.subarray(0, itemSize));
    return;
  }
  // Only the part inside the data is visited: work is bounded by the output, whatever the chunk shape says.
  const inside = shape.map((n, d) => Math.min(chunk[d], n - offset[d]));
  const run = inside[rank - 1] * itemSize;
  const index = new Array<number>(rank - 1).fill(0); // position within the chunk, outer axes
  for (;;) {
    let src = 0;
    let dst = 0;
    for (let d = 0; d < rank - 1; d++) {
      src = src * chunk[d] + index[d];
      dst = dst * shape[d] + offset[d] + index[d];
    }
    src = src * chunk[rank - 1] * itemSize;
    dst = (dst * shape[rank - 1] + offset[rank - 1]) * itemSize;
    out.set(data.subarray(src, src + run), dst);
    let d = rank - 2;
    for (; d >= 0; d--) {
      if (++index[d] < inside[d]) break;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}
