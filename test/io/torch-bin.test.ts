// pytorch_model.bin reading: the real HF/torch files in test/fixtures/formats must give exactly the
// tensors of the parent fixture's model.safetensors; hand-built files cover float16, views and corruption.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { PickleError, unpickle, PyDict } from "../../src/io/pickle.js";
import { parseSafetensors, type RawTensor } from "../../src/io/safetensors.js";
import { readTorchBin } from "../../src/io/torch-bin.js";
import { openZip, ZipError } from "../../src/io/zip.js";
import { decodeToFloat32 } from "../../src/tensor/dtype.js";
import { op, statePickle, tensorOps, torchZip } from "../helpers/torch-writer.js";

const FORMATS = "test/fixtures/formats";
const read = (path: string) => new Uint8Array(readFileSync(path));
const parentWeights = (fixture: string) => parseSafetensors(read(`test/fixtures/${fixture}/model.safetensors`)).tensors;

function expectSameTensors(actual: Map<string, RawTensor>, expected: Map<string, RawTensor>) {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, e] of expected) {
    const a = actual.get(key)!;
    expect({ key, dtype: a.dtype, shape: a.shape }).toEqual({ key, dtype: e.dtype, shape: e.shape });
    expect(Buffer.compare(Buffer.from(a.bytes), Buffer.from(e.bytes)), key).toBe(0);
  }
}

describe("real pytorch_model.bin files", () => {
  const cases: Array<[string, string]> = [
    ["tiny-classifier", "pytorch_model.bin"], // save_pretrained, torch 1.13 zip, plain dict
    ["three-stage-patch2", "pytorch_model.bin"],
    ["backbone-stem-s2-s4", "pytorch_model.bin"],
    ["three-stage-patch2", "legacy-bin/pytorch_model.bin"], // pre-1.6 stream, OrderedDict + _metadata
    ["three-stage-patch2", "ordereddict-bin/pytorch_model.bin"], // zip, OrderedDict + _metadata
  ];
  for (const [fixture, file] of cases) {
    test(`${fixture}/${file} equals the parent model.safetensors bit for bit`, async () => {
      const tensors = await readTorchBin(read(`${FORMATS}/${fixture}/${file}`), file);
      expectSameTensors(tensors, parentWeights(fixture));
    });
  }

  test("both shards of sharded-bin together equal the parent weights", async () => {
    const dir = `${FORMATS}/tiny-classifier/sharded-bin`;
    const index = JSON.parse(readFileSync(`${dir}/pytorch_model.bin.index.json`, "utf8")) as {
      weight_map: Record<string, string>;
    };
    const all = new Map<string, RawTensor>();
    for (const shard of new Set(Object.values(index.weight_map))) {
      for (const [k, v] of await readTorchBin(read(`${dir}/${shard}`), shard)) {
        expect(index.weight_map[k]).toBe(shard);
        all.set(k, v);
      }
    }
    expectSameTensors(all, parentWeights("tiny-classifier"));
  });

  test("the torch zip layout is what the fixtures README says (64-byte aligned, stored)", () => {
    const zip = openZip(read(`${FORMATS}/tiny-classifier/pytorch_model.bin`), "bin");
    const names = [...zip.entries.keys()];
    expect(names).toContain("pytorch_model/data.pkl");
    expect(names).toContain("pytorch_model/version");
    for (const e of zip.entries.values()) expect(e.method).toBe(0);
    expect(
      [...zip.entries.values()].filter((e) => e.name.includes("/data/")).every((e) => e.dataOffset % 64 === 0),
    ).toBe(true);
  });
});

/** float -> IEEE half bits (round to nearest even), for building a float16 checkpoint. */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  let mant = bits & 0x7fffff;
  if (exp <= 0) return sign; // tiny values flush to zero (none in the test data)
  if (exp >= 31) return sign | 0x7c00;
  const round = mant & 0x1fff;
  mant >>>= 13;
  let h = sign | (exp << 10) | mant;
  if (round > 0x1000 || (round === 0x1000 && mant & 1)) h++;
  return h;
}

describe("hand-built checkpoints", () => {
  test("float16 storages (HalfStorage) keep their dtype and decode to the rounded values", async () => {
    const weights = parentWeights("tiny-classifier");
    const key = "convnext.encoder.stages.0.layers.0.pwconv1.weight";
    const values = decodeToFloat32(weights.get(key)!.bytes, "F32", 32 * 8);
    const half = new Uint16Array(values.length).map((_, i) => toHalf(values[i]));
    const pickle = statePickle([
      [key, tensorOps({ storageKey: "0", storageType: "HalfStorage", storageNumel: 256, shape: [32, 8] })],
    ]);
    const tensors = await readTorchBin(torchZip(pickle, [["0", new Uint8Array(half.buffer)]]), "f16.bin");
    const t = tensors.get(key)!;
    expect(t.dtype).toBe("F16");
    expect(t.shape).toEqual([32, 8]);
    const decoded = decodeToFloat32(t.bytes, "F16", 256);
    for (let i = 0; i < 256; i++)
      expect(Math.abs(decoded[i] - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -11);
  });

  test("two tensors sharing one storage at different offsets", async () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const pickle = statePickle([
      ["a", tensorOps({ storageKey: "0", storageNumel: 8, shape: [2, 2] })],
      ["b", tensorOps({ storageKey: "0", storageNumel: 8, offset: 4, shape: [4] })],
    ]);
    const tensors = await readTorchBin(torchZip(pickle, [["0", new Uint8Array(data.buffer)]]), "shared.bin");
    expect(Array.from(decodeToFloat32(tensors.get("a")!.bytes, "F32", 4))).toEqual([0, 1, 2, 3]);
    expect(Array.from(decodeToFloat32(tensors.get("b")!.bytes, "F32", 4))).toEqual([4, 5, 6, 7]);
  });

  test("a transposed (non-contiguous) view is refused, naming the tensor", async () => {
    const pickle = statePickle([["w", tensorOps({ storageKey: "0", storageNumel: 6, shape: [2, 3], stride: [1, 2] })]]);
    await expect(readTorchBin(torchZip(pickle, [["0", new Uint8Array(24)]]), "t.bin")).rejects.toThrow(
      /t\.bin: tensor "w": is not contiguous/,
    );
  });

  test("a view past the end of its storage is refused", async () => {
    const pickle = statePickle([["w", tensorOps({ storageKey: "0", storageNumel: 4, offset: 2, shape: [4] })]]);
    await expect(readTorchBin(torchZip(pickle, [["0", new Uint8Array(16)]]), "t.bin")).rejects.toThrow(
      /run past its storage of 4 elements/,
    );
  });

  test("a storage record of the wrong size is refused", async () => {
    const pickle = statePickle([["w", tensorOps({ storageKey: "0", storageNumel: 4, shape: [4] })]]);
    await expect(readTorchBin(torchZip(pickle, [["0", new Uint8Array(12)]]), "t.bin")).rejects.toThrow(
      /has 12 bytes, expected 4 × 4 = 16/,
    );
  });

  test("a missing storage record is refused", async () => {
    const pickle = statePickle([["w", tensorOps({ storageKey: "7", storageNumel: 4, shape: [4] })]]);
    await expect(readTorchBin(torchZip(pickle, []), "t.bin")).rejects.toThrow(
      /storage record "archive\/data\/7" is missing/,
    );
  });

  test("a non-tensor entry is refused with its key", async () => {
    const pickle = statePickle([["epoch", op.int(3)]]);
    await expect(readTorchBin(torchZip(pickle, []), "t.bin")).rejects.toThrow(/entry "epoch" is 3, not a tensor/);
  });

  test("calling an allowed storage class (instead of naming it) is refused", async () => {
    const pickle = Uint8Array.from([
      ...op.proto(),
      ...op.global("torch", "FloatStorage"),
      ...op.emptyTuple(),
      ...op.reduce(),
      ...op.stop(),
    ]);
    expect(() => unpickle(pickle, { source: "p" })).toThrow(/torch\.FloatStorage cannot be called/);
  });
});

describe("zip entries", () => {
  test("a deflated entry (a re-zipped checkpoint) inflates and is CRC-checked", async () => {
    const { deflateRawSync } = await import("node:zlib");
    const stored = torchZip(statePickle([]), [], "archive");
    const zip = openZip(stored, "z");
    const pkl = await zip.read("archive/data.pkl");
    // rebuild the archive with data.pkl deflated (method 8)
    const deflated = new Uint8Array(deflateRawSync(pkl));
    const entry = zip.entries.get("archive/data.pkl")!;
    const name = new TextEncoder().encode("archive/data.pkl");
    const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
    const sizes = [...u32(entry.crc32), ...u32(deflated.length), ...u32(pkl.length), name.length, 0];
    const local = [0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, ...sizes, 0, 0, ...name];
    const central = [
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
      8,
      0,
      0,
      0,
      0,
      0,
      ...sizes,
      ...new Array(12).fill(0),
      ...u32(0),
      ...name,
    ];
    const eocd = [
      0x50,
      0x4b,
      5,
      6,
      0,
      0,
      0,
      0,
      1,
      0,
      1,
      0,
      ...u32(central.length),
      ...u32(local.length + deflated.length),
      0,
      0,
    ];
    const archive = Uint8Array.from([...local, ...deflated, ...central, ...eocd]);
    const reread = openZip(archive, "deflated.zip");
    expect(reread.entries.get("archive/data.pkl")!.method).toBe(8);
    expect(await reread.read("archive/data.pkl")).toEqual(pkl);
    const corrupt = archive.slice();
    corrupt[local.length] ^= 0x01; // first deflate byte
    await expect(openZip(corrupt, "bad.zip").read("archive/data.pkl")).rejects.toThrow(/bad\.zip/);
  });
});

describe("corrupt files fail with the file name", () => {
  const good = read(`${FORMATS}/three-stage-patch2/pytorch_model.bin`);
  const legacy = read(`${FORMATS}/three-stage-patch2/legacy-bin/pytorch_model.bin`);

  test("truncated zip", async () => {
    await expect(readTorchBin(good.subarray(0, good.length - 100), "cut.bin")).rejects.toThrow(ZipError);
    await expect(readTorchBin(good.subarray(0, good.length - 100), "cut.bin")).rejects.toThrow(
      /cut\.bin: invalid zip archive/,
    );
  });

  test("a flipped byte inside a storage is caught by the CRC", async () => {
    const bad = good.slice();
    const zip = openZip(bad, "x");
    const entry = zip.entries.get("pytorch_model/data/3")!;
    bad[entry.dataOffset + 5] ^= 0x40;
    await expect(readTorchBin(bad, "flip.bin")).rejects.toThrow(
      /flip\.bin: invalid zip archive: entry "pytorch_model\/data\/3" is corrupt \(CRC-32/,
    );
  });

  test("truncated legacy stream, at every tenth of its length", async () => {
    for (let k = 1; k < 10; k++) {
      const cut = legacy.subarray(0, Math.floor((legacy.length * k) / 10));
      await expect(readTorchBin(cut, "legacy.bin")).rejects.toThrow(/legacy\.bin/);
    }
  });

  test("trailing bytes after a legacy stream", async () => {
    const longer = new Uint8Array(legacy.length + 3);
    longer.set(legacy);
    await expect(readTorchBin(longer, "legacy.bin")).rejects.toThrow(/3 unexpected bytes after the last storage/);
  });

  test("random bytes and an empty file", async () => {
    await expect(readTorchBin(new Uint8Array(0), "empty.bin")).rejects.toThrow(/empty\.bin: not a PyTorch checkpoint/);
    await expect(readTorchBin(new TextEncoder().encode("<html>404</html>"), "page.bin")).rejects.toThrow(
      /page\.bin: not a PyTorch checkpoint/,
    );
  });
});

describe("the unpickler", () => {
  test("protocol-0 text opcodes build the same values as the binary ones", () => {
    // (dp0\nS'a'\np1\nI12\nsS'b'\np2\n(lp3\nF1.5\naL-7L\nas.  = {'a': 12, 'b': [1.5, -7]}
    const text = "(dp0\nS'a'\np1\nI12\nsS'b'\np2\n(lp3\nF1.5\naL-7L\nas.";
    const { value } = unpickle(new TextEncoder().encode(text));
    expect(value).toBeInstanceOf(PyDict);
    const d = value as PyDict;
    expect(d.items.get("a")).toBe(12);
    expect(d.items.get("b")).toEqual([1.5, -7]);
  });

  test("large ints come back as bigint, exactly", () => {
    // LONG1 of 10 bytes: the legacy torch magic number
    const bytes = Uint8Array.from([
      0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
    ]);
    expect(unpickle(bytes).value).toBe(0x1950a86a20f9469cfc6cn);
  });

  test("errors name the offset: unknown opcode, undefined memo, stack underflow, missing STOP", () => {
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0xff]), { source: "f" })).toThrow(
      /f: invalid pickle at offset 2: unknown opcode 0xff/,
    );
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x68, 9, 0x2e]), { source: "f" })).toThrow(
      /memo key 9 is not defined/,
    );
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x85]), { source: "f" })).toThrow(/stack underflow/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x4e]), { source: "f" })).toThrow(/needs 1 more bytes/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e]), { source: "f" })).toThrow(
      PickleError,
    );
  });

  test("a persistent id without a loader is refused", () => {
    expect(() => unpickle(Uint8Array.from([...op.proto(), ...op.str("x"), ...op.binpersid(), ...op.stop()]))).toThrow(
      /persistent id/,
    );
  });
});
