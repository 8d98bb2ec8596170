// Embedding files written as they are computed, one batch at a time, each batch complete on disk before the
// next (so an interrupted run keeps everything done, and --resume continues from it):
//   .npy          float32 [N, D]; its header is rewritten in place after every batch (fixed length), and
//   .safetensors  one tensor "embeddings" F32 [N, D], header likewise rewritten (padded with spaces);
//                 for both, row i's input is line i of FILE.files.txt;
//   .jsonl        {"file": ..., "embedding": [...]} per line, floats in their shortest float32 form.
// A run killed mid-batch leaves bytes past the last complete batch; resuming cuts them off.

import { createReadStream } from "node:fs";
import { open, stat, truncate, type FileHandle } from "node:fs/promises";
import { createInterface } from "node:readline";
import { npyHeader, parseNpyHeader } from "../io/npy.js";
import { describeFsError } from "./files.js";

export type EmbeddingFormat = "npy" | "safetensors" | "jsonl";

export interface EmbeddingRow {
  file: string;
  embedding: Float32Array;
}

export interface EmbeddingFile {
  readonly path: string;
  readonly format: EmbeddingFormat;
  /** Rows in the file (those it held when resumed included). */
  readonly rows: number;
  /** The inputs it holds, to skip when resuming. */
  readonly files: ReadonlySet<string>;
  append(rows: readonly EmbeddingRow[]): Promise<void>;
  close(): Promise<void>;
}

export function embeddingFormat(path: string): EmbeddingFormat | null {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext === "npy" || ext === "safetensors" || ext === "jsonl" ? ext : null;
}

/** The list of inputs beside a .npy or .safetensors file: line i names row i. */
export function namesFileOf(path: string): string {
  return `${path}.files.txt`;
}

const NPY_HEADER_BYTES = 128;
const SAFETENSORS_HEADER_BYTES = 256;

async function openFile(path: string, fresh: boolean): Promise<FileHandle> {
  try {
    return await open(path, fresh ? "w+" : "r+");
  } catch (e) {
    throw new Error(`${path}: cannot write (${describeFsError(e, "write")})`);
  }
}

async function sizeOf(path: string): Promise<number | null> {
  return stat(path).then(
    (s) => s.size,
    () => null,
  );
}

function fail(path: string, why: string): never {
  throw new Error(`${path}: cannot resume: ${why}`);
}

/**
 * Opens `path` for writing `dimension`-value embeddings; with `resume`, keeps what an earlier run wrote there
 * (checked against `dimension`) and reports its inputs, else starts it over.
 */
export async function openEmbeddingFile(
  path: string,
  options: { dimension: number; resume: boolean },
): Promise<EmbeddingFile> {
  const format = embeddingFormat(path);
  if (!format) throw new Error(`${path}: the output must end in .npy, .safetensors or .jsonl`);
  const resume = options.resume && (await sizeOf(path)) !== null;
  return format === "jsonl"
    ? openJsonl(path, options.dimension, resume)
    : openMatrix(path, format, options.dimension, resume);
}

/** .npy and .safetensors: a fixed-length header, the rows, and the names file. */
async function openMatrix(
  path: string,
  format: "npy" | "safetensors",
  dimension: number,
  resume: boolean,
): Promise<EmbeddingFile> {
  const namesPath = namesFileOf(path);
  const rowBytes = 4 * dimension;
  let rows = 0;
  let headerBytes = format === "npy" ? NPY_HEADER_BYTES : SAFETENSORS_HEADER_BYTES;
  let names: string[] = [];
  if (resume) {
    const handle = await openFile(path, false);
    const head = new Uint8Array(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
    const held = format === "npy" ? readNpyShape(head.subarray(0, bytesRead), path) : readSafetensorsShape(head, path);
    if (held.dimension !== dimension) {
      fail(path, `it holds ${held.dimension}-value embeddings and this model gives ${dimension}`);
    }
    rows = held.rows;
    headerBytes = held.headerBytes;
    const size = (await sizeOf(path))!;
    if (size < headerBytes + rows * rowBytes) fail(path, `its header says ${rows} rows but the file is shorter`);
    names = await readNames(namesPath);
    if (names.length < rows) fail(path, `${namesPath} names ${names.length} inputs for ${rows} rows`);
    names = names.slice(0, rows);
    await truncate(path, headerBytes + rows * rowBytes); // bytes of a batch that was cut off
  }
  const data = await openFile(path, !resume);
  const list = await openFile(namesPath, !resume);
  const encoder = new TextEncoder();
  let namesBytes = encoder.encode(names.map((n) => n + "\n").join("")).length;
  await list.truncate(namesBytes);
  const header = (n: number): Uint8Array =>
    format === "npy" ? npyHeader("float32", [n, dimension], headerBytes) : safetensorsHeader(n, dimension, headerBytes);
  if (!resume) await data.write(header(0), 0, headerBytes, 0);
  const files = new Set(names);

  return {
    path,
    format,
    files,
    get rows() {
      return rows;
    },
    async append(batch) {
      if (batch.length === 0) return;
      const block = new Float32Array(batch.length * dimension);
      batch.forEach((r, i) => block.set(r.embedding, i * dimension));
      await data.write(new Uint8Array(block.buffer), 0, block.byteLength, headerBytes + rows * rowBytes);
      const text = encoder.encode(batch.map((r) => r.file + "\n").join(""));
      await list.write(text, 0, text.length, namesBytes);
      namesBytes += text.length;
      rows += batch.length;
      for (const r of batch) files.add(r.file);
      await data.write(header(rows), 0, headerBytes, 0); // last: the rows it announces are on disk
    },
    async close() {
      await data.close();
      await list.close();
    },
  };
}

function readNpyShape(head: Uint8Array, path: string) {
  const h = parseNpyHeader(head, path);
  if (h.descr !== "<f4" || h.fortranOrder || h.shape.length !== 2) {
    fail(path, `it is not a float32 [N, D] array (descr ${h.descr}, shape (${h.shape.join(", ")}))`);
  }
  return { rows: h.shape[0], dimension: h.shape[1], headerBytes: h.dataOffset };
}

/** The fixed-length safetensors header: 8-byte length, then the JSON padded with spaces (the format allows it). */
function safetensorsHeader(rows: number, dimension: number, total: number): Uint8Array {
  const json = JSON.stringify({
    __metadata__: { format: "pt" },
    embeddings: { dtype: "F32", shape: [rows, dimension], data_offsets: [0, 4 * rows * dimension] },
  });
  const out = new Uint8Array(total).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(total - 8), true);
  out.set(new TextEncoder().encode(json), 8);
  return out;
}

function readSafetensorsShape(head: Uint8Array, path: string) {
  const length = Number(new DataView(head.buffer, head.byteOffset).getBigUint64(0, true));
  let entry: { dtype?: string; shape?: number[]; data_offsets?: number[] } | undefined;
  try {
    entry = JSON.parse(new TextDecoder().decode(head.subarray(8, 8 + length))).embeddings;
  } catch {
    fail(path, "its header is not one this command wrote");
  }
  if (entry?.dtype !== "F32" || entry.shape?.length !== 2 || entry.data_offsets?.[0] !== 0) {
    fail(path, 'it has no F32 [N, D] tensor "embeddings" at the start of its data');
  }
  return { rows: entry.shape[0], dimension: entry.shape[1], headerBytes: 8 + length };
}

async function readNames(path: string): Promise<string[]> {
  if ((await sizeOf(path)) === null) return [];
  const names: string[] = [];
  const text = createReadStream(path, { encoding: "utf8" });
  let partial = "";
  for await (const chunk of text) {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    names.push(...lines);
  }
  return names; // a last line without "\n" was cut off mid-batch: not counted
}

/** JSON lines, each complete line one embedding. */
async function openJsonl(path: string, dimension: number, resume: boolean): Promise<EmbeddingFile> {
  const files = new Set<string>();
  let rows = 0;
  let end = 0;
  if (resume) {
    // line by line: a file of 100,000 embeddings is never read whole
    const size = (await sizeOf(path))!;
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    let offset = 0;
    for await (const line of lines) {
      const next = offset + Buffer.byteLength(line) + 1;
      if (next > size) break; // no "\n": the line a killed run was writing
      let row: { file?: unknown; embedding?: unknown[] };
      try {
        row = JSON.parse(line);
      } catch {
        break; // likewise: everything from here on is dropped
      }
      if (typeof row.file !== "string" || !Array.isArray(row.embedding)) {
        fail(path, `line ${rows + 1} is not {"file", "embedding"}`);
      }
      if (row.embedding.length !== dimension) {
        fail(path, `it holds ${row.embedding.length}-value embeddings and this model gives ${dimension}`);
      }
      files.add(row.file);
      rows++;
      end = next;
      offset = next;
    }
    lines.close();
    await truncate(path, end);
  }
  const handle = await openFile(path, !resume);
  const encoder = new TextEncoder();
  return {
    path,
    format: "jsonl",
    files,
    get rows() {
      return rows;
    },
    async append(batch) {
      if (batch.length === 0) return;
      const text = batch
        .map(
          (r) => `{"file":${JSON.stringify(r.file)},"embedding":[${Array.from(r.embedding, float32Text).join(",")}]}\n`,
        )
        .join("");
      const bytes = encoder.encode(text);
      await handle.write(bytes, 0, bytes.length, end);
      end += bytes.length;
      rows += batch.length;
      for (const r of batch) files.add(r.file);
    },
    async close() {
      await handle.close();
    },
  };
}

/** The shortest decimal that reads back as the same float32 (at most 9 digits); null for NaN/Infinity as JSON. */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return "null";
  for (let digits = 1; digits < 9; digits++) {
    const text = v.toPrecision(digits);
    if (Math.fround(Number(text)) === v) return String(Number(text));
  }
  return String(Number(v.toPrecision(9)));
}
