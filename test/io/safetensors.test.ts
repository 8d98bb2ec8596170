// The safetensors parser on valid, truncated and hostile files: every defect gives one clear error.
import { describe, expect, it } from "vitest";
import { MAX_HEADER_BYTES, parseSafetensors, rawToTensor, serializeSafetensors } from "../../src/io/safetensors.js";
import { Tensor } from "../../src/tensor/tensor.js";

/** A file with the given header object (or raw header text) and data bytes. */
function file(header: object | string, data = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("parseSafetensors", () => {
  it("round-trips what serializeSafetensors writes, 8-byte aligned, with metadata", () => {
    const a = Tensor.from([1, 2, 3], [3]);
    const b = Tensor.from([-1.5, 0, 2, 4, 8, 16], [2, 3]);
    const bytes = serializeSafetensors(
      [
        ["a", a],
        ["b.ü", b],
      ],
      { format: "pt" },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const parsed = parseSafetensors(bytes, "x.safetensors");
    expect(parsed.metadata).toEqual({ format: "pt" });
    expect(rawToTensor(parsed.tensors.get("a")!).data).toEqual(a.data);
    expect(rawToTensor(parsed.tensors.get("b.ü")!).shape).toEqual([2, 3]);
    expect(rawToTensor(parsed.tensors.get("b.ü")!).data).toEqual(b.data);
  });

  it("reads F16 and BF16 tensors", () => {
    const data = new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x3fc0).buffer);
    const parsed = parseSafetensors(
      file(
        {
          h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
          b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] },
        },
        data,
      ),
    );
    expect(Array.from(rawToTensor(parsed.tensors.get("h")!).data)).toEqual([1, -2]);
    expect(Array.from(rawToTensor(parsed.tensors.get("b")!).data)).toEqual([1.5]);
  });

  const hostile: Array<[string, Uint8Array, RegExp]> = [
    ["shorter than 8 bytes", new Uint8Array(5), /shorter than the 8-byte header length/],
    ["header length beyond the file", file("{}", new Uint8Array(0), 1000n), /runs past the end of the file/],
    ["absurd header size", file("{}", new Uint8Array(0), 2n ** 62n), /exceeds the limit of 100000000 bytes/],
    ["malformed JSON", file('{"a": {'), /not valid UTF-8 JSON/],
    ["a JSON array header", file("[1, 2]"), /not a JSON object/],
    ["invalid UTF-8", file('{"\xff"}'), /not valid UTF-8 JSON|header/],
    [
      "unknown dtype",
      file({ a: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /"a" has unknown dtype "F8_E4M3"/,
    ],
    [
      "byte size not matching the shape",
      file({ a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }, new Uint8Array(12)),
      /"a" is F32 of shape \[2, 2\] = 16 bytes, but data_offsets span 12/,
    ],
    [
      "offsets beyond the data",
      file({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)),
      /"a" data_offsets \[0, 16\] run past the data section \(8 bytes\)/,
    ],
    [
      "overlapping tensors",
      file(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
        },
        new Uint8Array(12),
      ),
      /"a" and "b" overlap/,
    ],
    [
      "reversed offsets",
      file({ a: { dtype: "F32", shape: [0], data_offsets: [8, 0] } }, new Uint8Array(8)),
      /invalid data_offsets/,
    ],
    ["negative dimension", file({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 0] } }), /invalid shape \[-1\]/],
    ["metadata not an object", file({ __metadata__: 3 }), /__metadata__ is not an object/],
  ];
  it.each(hostile)("refuses %s, naming the file", (_what, bytes, message) => {
    expect(() => parseSafetensors(bytes, "bad.safetensors")).toThrow(message);
    expect(() => parseSafetensors(bytes, "bad.safetensors")).toThrow(/^bad\.safetensors: invalid safetensors file/);
  });

  it("the header limit is the documented 100 MB", () => {
    expect(MAX_HEADER_BYTES).toBe(100_000_000);
  });
});
