// The fuzz targets: which fixtures seed each one, which tokens its mutations may insert, and what runs on a
// mutated input (the same entry points users call, from dist/). Every run gets a `source` name that any error
// must contain.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = join(ROOT, "test", "fixtures");
const dist = (path) => import(join(ROOT, "dist", path));
const enc = new TextEncoder();
const read = (path) => new Uint8Array(readFileSync(join(FIXTURES, path)));
const tokens = (...list) => list.map((t) => (typeof t === "string" ? enc.encode(t) : Uint8Array.from(t)));

/** Fixture files under `dir` (recursively) whose name matches and whose size is at most `maxBytes`. */
function files(dir, pattern, maxBytes) {
  const out = [];
  for (const name of readdirSync(join(FIXTURES, dir), { recursive: true })) {
    const path = join(dir, name);
    if (!pattern.test(name) || statSync(join(FIXTURES, path)).size > maxBytes) continue;
    out.push(path);
  }
  return out.sort();
}

function safetensorsHot(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return [[0, 8 + n]];
}

/** The local and central headers of a stored zip entry, for fixing its CRC-32 after a mutation. */
function zipEntry(bytes, name) {
  const nameBytes = enc.encode(name);
  const at = (sig, nameAt) => {
    for (let i = 0; i + nameAt + nameBytes.length <= bytes.length; i++) {
      if (bytes[i] !== 0x50 || bytes[i + 1] !== 0x4b || bytes[i + 2] !== sig[0] || bytes[i + 3] !== sig[1]) continue;
      if (nameBytes.every((b, k) => bytes[i + nameAt + k] === b)) return i;
    }
    throw new Error(`no entry ${name}`);
  };
  const local = at([3, 4], 30);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const dataOffset = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  return { local, central: at([1, 2], 46), dataOffset, size: view.getUint32(local + 18, true) };
}

const PNG_TOKENS = tokens("IHDR", "IDAT", "IEND", "PLTE", "tRNS", "zTXt", "iTXt", "iCCP", "eXIf", "acTL", "fcTL", [0x78, 0x9c], [0x78, 0x01], [0, 0, 0, 0], [0xff, 0xff, 0xff, 0xff], [0, 0, 0x40, 0]);
const JPEG_TOKENS = tokens([0xff, 0xd8], [0xff, 0xc0], [0xff, 0xc2], [0xff, 0xc4], [0xff, 0xdb], [0xff, 0xda], [0xff, 0xdd], [0xff, 0xd9], [0xff, 0xe1], [0xff, 0xee], [0xff, 0xd0], [0xff, 0x00], [0xff, 0xff], [0xff, 0xc9], [0xff, 0xcc], "Exif\0\0", "JFIF\0", [0xff, 0xdc, 0x00, 0x04, 0xff, 0xff]);
const BMP_TOKENS = tokens("BM", [12, 0, 0, 0], [40, 0, 0, 0], [64, 0, 0, 0], [108, 0, 0, 0], [124, 0, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0], [3, 0, 0, 0], [6, 0, 0, 0], [1, 0], [4, 0], [8, 0], [16, 0], [24, 0], [32, 0], [0, 0], [0, 1], [0, 2], [0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0x80]);
const GIF_TOKENS = tokens("GIF87a", "GIF89a", [0x21, 0xf9, 0x04], [0x21, 0xff, 0x0b], "NETSCAPE2.0", [0x21, 0xfe], [0x2c], [0x3b], [0x00], [0x02], [0x08], [0x0c], [0xff, 0xff], [0x80], [0xf7], [0x40]);
const PICKLE_TOKENS = tokens([0x80, 2], [0x28], [0x65], [0x75], [0x74], [0x52], [0x62], [0x51], [0x2e], [0x7d], [0x5d], [0x32], [0x94], [0x68, 0], [0x6a, 0xff, 0xff, 0xff, 0xff], [0x8a, 0x08], [0x8b, 0xff, 0xff, 0xff, 0x7f], [0x58, 0xff, 0xff, 0xff, 0x7f], [0x4a, 0xff, 0xff, 0xff, 0x7f], "ctorch._utils\n_rebuild_tensor_v2\n", "ccollections\nOrderedDict\n", "cposix\nsystem\n", [0x93], [0x81], [0x92], [0x69]);
const ZIP_TOKENS = tokens([0x50, 0x4b, 3, 4], [0x50, 0x4b, 1, 2], [0x50, 0x4b, 5, 6], [0x50, 0x4b, 6, 6], [0x50, 0x4b, 6, 7], [8, 0], [0xff, 0xff, 0xff, 0xff], [1, 0, 0x18, 0]);
const H5_TOKENS = tokens([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], "TREE", "HEAP", "SNOD", "OHDR", "OCHK", "GCOL", "FRHP", "BTHD", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [1, 0, 0, 0, 0, 0, 0, 0], [0x10, 0x08, 0, 0]);
const SAFETENSORS_TOKENS = tokens('"dtype":"F32"', '"dtype":"F16"', '"shape":[', '"data_offsets":[', '"__metadata__":{"format":"tf"}', "1e9", "4294967296", "-1", "]", "}", ",", '"', "[0,0]", "[1e300]");

/** BMP and GIF: their decoders load on demand, as the async image APIs load them. */
async function decodeOnDemandFormat(bytes, source) {
  const { loadImageDecoders } = await dist("preprocess/decode.js");
  const { decodeToRgb } = await dist("preprocess/load-image.js");
  await loadImageDecoders();
  decodeToRgb(bytes, { source });
}

export const TARGETS = {
  png: {
    seeds: () => files("images/pngsuite", /\.png$/, 4096).map((p) => ({ path: p, bytes: read(p), hot: [[0, 512]] })),
    tokens: PNG_TOKENS,
    ext: "png",
    // Most cases get every chunk's CRC fixed, so a mutation reaches the decoder instead of the CRC check.
    async finish(_seed, bytes) {
      if (bytes.length % 5 === 0) return bytes;
      const { crc32 } = await dist("preprocess/crc32.js");
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let at = 8; at + 12 <= bytes.length; ) {
        const end = at + 8 + view.getUint32(at);
        if (end + 4 > bytes.length) break;
        view.setUint32(end, crc32(bytes.subarray(at + 4, end)));
        at = end + 4;
      }
      return bytes;
    },
    async run(bytes, source) {
      const { decodeToRgb } = await dist("preprocess/load-image.js");
      decodeToRgb(bytes, { source });
    },
  },
  jpeg: {
    seeds: () =>
      files("images/jpeg", /\.jpe?g$/, 16384).map((p) => ({ path: p, bytes: read(p), hot: [[0, 1024]] })),
    tokens: JPEG_TOKENS,
    ext: "jpg",
    async run(bytes, source) {
      const { decodeToRgb } = await dist("preprocess/load-image.js");
      decodeToRgb(bytes, { source });
    },
  },
  bmp: {
    seeds: () => files("images/bmp", /\.bmp$/i, 16384).map((p) => ({ path: p, bytes: read(p), hot: [[0, 1078]] })),
    tokens: BMP_TOKENS,
    ext: "bmp",
    run: decodeOnDemandFormat,
  },
  gif: {
    seeds: () => files("images/gif", /\.gif$/i, 16384).map((p) => ({ path: p, bytes: read(p), hot: [[0, 800]] })),
    tokens: GIF_TOKENS,
    ext: "gif",
    run: decodeOnDemandFormat,
  },
  safetensors: {
    seeds: () =>
      ["tiny-classifier/model.safetensors", "v2-backbone/model.safetensors", "formats/tiny-classifier/tf-safetensors/model.safetensors"].map(
        (p) => ({ path: p, bytes: read(p), hot: safetensorsHot(read(p)) }),
      ),
    tokens: SAFETENSORS_TOKENS,
    ext: "safetensors",
    async run(bytes, source) {
      const { parseSafetensors, rawToTensor } = await dist("io/safetensors.js");
      for (const raw of parseSafetensors(bytes, source).tensors.values()) rawToTensor(raw);
    },
  },
  pickle: {
    // data.pkl inside torch zips (mutated in place, CRC fixed after) and the legacy stream (five pickles)
    seeds: () => [
      ...["formats/three-stage-patch2/pytorch_model.bin", "formats/three-stage-patch2/ordereddict-bin/pytorch_model.bin"].map((p) => {
        const bytes = read(p);
        const name = /[\w-]+\/data\.pkl/.exec(new TextDecoder("latin1").decode(bytes))[0];
        const e = zipEntry(bytes, name);
        return { path: p, bytes, hot: [[e.dataOffset, e.dataOffset + e.size]], sameLength: true, pkl: { name, ...e } };
      }),
      ...["formats/three-stage-patch2/legacy-bin/pytorch_model.bin"].map((p) => ({ path: p, bytes: read(p), hot: [[0, 4096]] })),
    ],
    tokens: PICKLE_TOKENS,
    ext: "bin",
    async finish(seed, bytes) {
      if (!seed.pkl || bytes.length !== seed.bytes.length) return bytes;
      const { crc32 } = await dist("preprocess/crc32.js");
      const { local, central, dataOffset, size } = seed.pkl;
      const crc = crc32(bytes.subarray(dataOffset, dataOffset + size));
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      view.setUint32(local + 14, crc, true);
      view.setUint32(central + 16, crc, true);
      return bytes;
    },
    async run(bytes, source) {
      const { readTorchBin } = await dist("io/torch-bin.js");
      await readTorchBin(bytes, source);
    },
  },
  zip: {
    seeds: () =>
      ["formats/three-stage-patch2/pytorch_model.bin", "formats/tiny-classifier/sharded-bin/pytorch_model-00002-of-00002.bin"].map((p) => {
        const bytes = read(p);
        return { path: p, bytes, hot: [[0, 256], [bytes.length - 4096, bytes.length]] };
      }),
    tokens: ZIP_TOKENS,
    ext: "bin",
    async run(bytes, source) {
      const { readTorchBin } = await dist("io/torch-bin.js");
      await readTorchBin(bytes, source);
    },
  },
  h5: {
    // Keras files (superblock v0) and h5py's filter chains and "latest" format (v2 headers, fixed-array chunks)
    seeds: () =>
      [...files("formats", /\.h5$/, 1 << 20), ...files("hostile/h5", /\.h5$/, 65536)].map((p) => ({
        path: p,
        bytes: read(p),
        hot: [[0, 4096]],
      })),
    tokens: H5_TOKENS,
    ext: "h5",
    async run(bytes, source) {
      const { readTfH5 } = await dist("io/tf-h5.js");
      const { rawToTensor } = await dist("io/safetensors.js");
      for (const raw of (await readTfH5(bytes, source)).values()) rawToTensor(raw);
    },
  },
  config: {
    // config.json next to the checkpoint it belongs to: mutated configs are loaded against real weights
    seeds: () =>
      ["tiny-classifier", "three-stage-patch2", "v2-backbone"].map((dir) => ({
        path: `${dir}/config.json`,
        bytes: read(`${dir}/config.json`),
        weights: read(`${dir}/model.safetensors`),
      })),
    json: true,
    keys: ["num_labels", "num_stages", "depths", "hidden_sizes", "id2label", "label2id", "patch_size", "num_channels", "image_size", "model_type", "architectures", "out_features", "out_indices", "layer_scale_init_value", "drop_path_rate", "hidden_act", "layer_norm_eps", "problem_type"],
    ext: "json",
    async run(bytes, source, seed) {
      const { loadPretrained, memoryFiles } = await dist("core.js");
      const files = memoryFiles(source, { "config.json": bytes, "model.safetensors": seed.weights });
      await loadPretrained(files, { onWarning: () => {} });
    },
  },
  preprocessor: {
    seeds: () =>
      ["tiny-classifier", "preprocess", "preprocess-photos/config-224-bicubic", "preprocess-photos/config-384-bilinear"].map((dir) => ({
        path: `${dir}/preprocessor_config.json`,
        bytes: read(`${dir}/preprocessor_config.json`),
      })),
    json: true,
    keys: ["size", "shortest_edge", "crop_pct", "resample", "do_resize", "do_rescale", "rescale_factor", "do_normalize", "image_mean", "image_std"],
    ext: "json",
    async run(bytes, source) {
      const { ConvNextImageProcessor, memoryFiles } = await dist("core.js");
      const processor = await ConvNextImageProcessor.fromPretrained(memoryFiles(source, { "preprocessor_config.json": bytes }));
      // a small photo-like image and a thin strip (extreme aspect ratio)
      const image = { width: 37, height: 23, data: new Uint8Array(37 * 23 * 3).map((_, i) => (i * 37) & 255) };
      const strip = { width: 300, height: 2, data: new Uint8Array(300 * 2 * 3).fill(200) };
      processor.stack([processor.prepare(image, `${source} image`)]);
      processor.stack([processor.prepare(strip, `${source} strip`)]);
    },
  },
};
