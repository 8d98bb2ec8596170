// The HDF5 reader against files h5py wrote (tools/make_h5_filter_fixtures.py, Debian python3-h5py 3.7 / HDF5
// 1.10.8): every filter chain h5py writes gives the exact values; other filters are named; a decompression bomb
// and damaged chunks fail fast with the file named (issue 16).
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { fletcher32, unfilter } from "../../src/io/hdf5-chunks.js";
import { rawToTensor } from "../../src/io/safetensors.js";
import { readTfH5 } from "../../src/io/tf-h5.js";
import { fixture } from "../helpers/helpers.js";

const h5 = (name: string) => new Uint8Array(readFileSync(fixture("hostile", "h5", `${name}.h5`)));
// what the script stores: kernel = (arange(30).reshape(6, 5) - 7.5) / 4, bias = [0.5, -1.25, 2, 0, 3.75]
const KERNEL = Array.from({ length: 30 }, (_, i) => (i - 7.5) / 4);
const BIAS = [0.5, -1.25, 2, 0, 3.75];

describe("filter chains h5py writes", () => {
  for (const name of [
    "gzip",
    "shuffle-gzip",
    "shuffle-gzip-fletcher32",
    "fletcher32",
    "latest-shuffle-gzip-fletcher32",
    "latest-contiguous",
  ]) {
    it(`${name}: the exact values`, async () => {
      const t = await readTfH5(h5(name), `${name}.h5`);
      expect([...t.keys()]).toEqual(["dense/kernel:0", "dense/bias:0"]);
      const kernel = rawToTensor(t.get("dense/kernel:0")!);
      expect(kernel.shape).toEqual([6, 5]);
      expect(Array.from(kernel.data)).toEqual(KERNEL);
      expect(Array.from(rawToTensor(t.get("dense/bias:0")!).data)).toEqual(BIAS);
    });
  }

  it("filters it cannot apply are named", async () => {
    await expect(readTfH5(h5("lzf"), "lzf.h5")).rejects.toThrow(
      /^lzf\.h5: dataset "\/dense\/model\/dense\/kernel:0" uses the HDF5 filter lzf; only shuffle, deflate \(gzip\) and fletcher32 are supported$/,
    );
    await expect(readTfH5(h5("scaleoffset"), "so.h5")).rejects.toThrow(/^so\.h5: .* uses the HDF5 filter scaleoffset/);
  });
});

describe("hostile and damaged files", () => {
  it("a 160 KB file declaring 160 MB of gzip chunks is refused from its headers", async () => {
    const started = performance.now();
    await expect(readTfH5(h5("bomb"), "bomb.h5")).rejects.toThrow(
      /^bomb\.h5: dataset "\/dense\/model\/dense\/kernel:0": shape \[40000000\] needs 160000000 bytes, more than 100 times the file's/,
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("a chunk never inflates past its declared size", () => {
    const stream = new Uint8Array(deflateSync(new Uint8Array(1_000_000)));
    const fail = (message: string): never => {
      throw new Error(`g.h5: dataset x: ${message}`);
    };
    expect(() => unfilter(stream, [{ id: 1, values: [] }], 0, 4, 4_000, fail)).toThrow(
      /^g\.h5: dataset x: a chunk inflates to more than 4000 bytes, not 4000$/,
    );
  });

  it("a flipped byte in a checksummed chunk fails its fletcher32 check", async () => {
    const bytes = h5("fletcher32");
    // the kernel's first chunk holds (2 x 5) floats starting with -1.875 = 0xbff00000 little-endian
    const at = Buffer.from(bytes).indexOf(Buffer.from(new Float32Array([-1.875, -1.625]).buffer));
    expect(at).toBeGreaterThan(0);
    const bad = bytes.slice();
    bad[at + 1] ^= 0x40;
    await expect(readTfH5(bad, "bad.h5")).rejects.toThrow(/^bad\.h5: .*fails its fletcher32 checksum/);
  });

  it("fletcher32 is HDF5's (16-bit big-endian words, odd tail), as h5py stored it", () => {
    // stored checksums of the fixtures already pass above; two values computed by hand from H5checksum.c
    expect(fletcher32(Uint8Array.of(0x01, 0x02))).toBe(((0x0102 << 16) | 0x0102) >>> 0);
    expect(fletcher32(Uint8Array.of(0x01, 0x02, 0x03))).toBe(
      (((0x0102 + 0x0102 + 0x0300) << 16) | (0x0102 + 0x0300)) >>> 0,
    );
  });

  it("damaged files fail with the file name at every tenth of the length", async () => {
    const bytes = new Uint8Array(readFileSync(fixture("formats/three-stage-patch2/tf/tf_model.h5")));
    for (let k = 1; k < 10; k++) {
      await expect(readTfH5(bytes.subarray(0, Math.floor((bytes.length * k) / 10)), "cut.h5")).rejects.toThrow(
        /^cut\.h5: /,
      );
    }
  });
});
