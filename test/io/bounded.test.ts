// Checkpoint readers against small files that ask for a lot: every one fails fast with a short message
// naming the file, instead of allocating gigabytes or overflowing the stack (issue 16).
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { MAX_PICKLE_WORK, unpickle } from "../../src/io/pickle.js";
import { MAX_TENSORS, parseSafetensors } from "../../src/io/safetensors.js";
import { readTorchBin } from "../../src/io/torch-bin.js";
import { crc32, statePickle, tensorOps, torchZip } from "../helpers/torch-writer.js";

/** A safetensors file with the given header text and no data. */
function safetensors(header: string): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("did not throw");
};

describe("safetensors", () => {
  it(`more than ${MAX_TENSORS} entries: refused before any tensor is built`, () => {
    const entries = Array.from({ length: MAX_TENSORS + 5 }, (_, i) => `"t${i}":0`).join(",");
    const message = messageOf(() => parseSafetensors(safetensors(`{${entries}}`), "many.safetensors"));
    expect(message).toMatch(/^many\.safetensors: invalid safetensors file: header has 100005 entries, above the limit/);
  });

  it("a megabyte-long name or shape gives a one-line message", () => {
    const name = "n".repeat(1_000_000);
    const badDtype = messageOf(() =>
      parseSafetensors(safetensors(JSON.stringify({ [name]: { dtype: "X", shape: [1], data_offsets: [0, 4] } })), "a"),
    );
    expect(badDtype).toMatch(/^a: invalid safetensors file: tensor "n+… has unknown dtype "X"$/);
    expect(badDtype.length).toBeLessThan(300);
    const shape = Array.from({ length: 200_000 }, () => 1);
    const badShape = messageOf(() =>
      parseSafetensors(safetensors(JSON.stringify({ t: { dtype: "F32", shape, data_offsets: [0, 0] } })), "b"),
    );
    expect(badShape).toMatch(/^b: invalid safetensors file: tensor "t" is F32 of shape \[1,1,1.*…/);
    expect(badShape.length).toBeLessThan(300);
  });
});

describe("pickle", () => {
  it("APPENDS and SETITEMS with 300,000 items (a spread would overflow the stack)", () => {
    const n = 300_000;
    const appends = new Uint8Array(n + 6);
    appends.set([0x80, 2, 0x5d, 0x28]); // PROTO 2, EMPTY_LIST, MARK
    appends.fill(0x4e, 4, 4 + n); // NONE
    appends.set([0x65, 0x2e], 4 + n); // APPENDS, STOP
    const list = unpickle(appends, { source: "list.pkl" }).value as unknown[];
    expect(list.length).toBe(n);
    expect(list[n - 1]).toBeNull();

    const setitems = new Uint8Array(2 * n + 6);
    setitems.set([0x80, 2, 0x7d, 0x28]); // PROTO 2, EMPTY_DICT, MARK
    for (let i = 0; i < n; i++) setitems.set([0x4b, i & 0xff], 4 + 2 * i); // BININT1 pairs: keys 0..255 repeat
    setitems.set([0x75, 0x2e], 4 + 2 * n); // SETITEMS, STOP
    expect(() => unpickle(setitems, { source: "dict.pkl" })).not.toThrow();
  });

  it("a text opcode with a megabyte-long line gives a one-line message (fuzz: pickle 16007/35597)", () => {
    const line = new TextEncoder().encode(`I${"x".repeat(1_000_000)}\n.`);
    const message = messageOf(() => unpickle(line, { source: "long.pkl" }));
    expect(message).toMatch(/^long\.pkl: invalid pickle at offset 0: bad integer literal "x+…$/);
    expect(message.length).toBeLessThan(300);
  });

  it(`a pickle that makes millions of dicts stops after ${MAX_PICKLE_WORK} units of work`, () => {
    const n = 3_000_000;
    const bytes = new Uint8Array(n + 3);
    bytes.set([0x80, 2]);
    bytes.fill(0x7d, 2, 2 + n); // EMPTY_DICT x 3M: gigabytes of Maps if all were built
    bytes[2 + n] = 0x2e;
    const started = performance.now();
    expect(() => unpickle(bytes, { source: "dicts.pkl" })).toThrow(
      /^dicts\.pkl: invalid pickle at offset \d+: more than 10000000 units of work/,
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("pytorch_model.bin (zip)", () => {
  /** A zip checkpoint whose one storage record, `bytes` zero bytes, is deflated (about 1000:1). */
  function deflatedCheckpoint(bytes: number, declaredSize = bytes): Uint8Array {
    const zeros = new Uint8Array(bytes);
    const n = declaredSize / 4;
    const pickle = statePickle([["w", tensorOps({ storageKey: "0", storageNumel: n, shape: [n] })]]);
    return torchZip(pickle, [["0", { compressed: deflateRawSync(zeros), size: declaredSize, crc32: crc32(zeros) }]]);
  }

  it("a deflated record above 100:1 is refused from its header, before anything is inflated", async () => {
    // 4 MB of zeros (~4 KB deflated) declared as 400 MB: the reader used to allocate and inflate that much
    const bomb = deflatedCheckpoint(4_000_000, 400_000_000);
    expect(bomb.length).toBeLessThan(10_000);
    const started = performance.now();
    await expect(readTorchBin(bomb, "bomb.bin")).rejects.toThrow(
      /^bomb\.bin: invalid zip archive: entry "archive\/data\/0" would inflate \d+ bytes to 400000000 \(more than 100:1/,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("a record that inflates past its declared size is cut off at that size", async () => {
    // 1 MB of zeros (a ~1 KB stream) declared as 4,000 bytes: within the ratio, so inflated, but only so far
    const lying = deflatedCheckpoint(1_000_000, 4_000);
    await expect(readTorchBin(lying, "lying.bin")).rejects.toThrow(/^lying\.bin: .*inflates past its declared size/);
  });

  it("a small deflated record below the grace size still loads (zip allows deflate)", async () => {
    const ok = deflatedCheckpoint(40_000); // 40 KB of zeros: ratio > 100 but under the 100 KB grace
    const tensors = await readTorchBin(ok, "ok.bin");
    expect(tensors.get("w")!.shape).toEqual([10_000]);
  });
});
