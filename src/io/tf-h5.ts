// tf_model.h5 -> raw tensors under TF variable names. HF's TF models save with Keras 2's save_weights:
// a root attribute `layer_names`, one group per layer with a `weight_names` attribute listing dataset paths
// `<model name>/<layer>/.../kernel:0` (test/fixtures/formats/H5-LAYOUT.md). Like HF's loader we drop the
// model-name component, giving the keys TF safetensors files use (`convnext/embeddings/.../kernel:0`);
// keys.ts maps those to PyTorch names. HDF5 is parsed by ./hdf5.ts (loaded only for this format).

import { DTYPE_BYTES, type DType } from "../tensor/dtype.js";
import { Hdf5Dataset, Hdf5Error, Hdf5File, Hdf5Group, type AttributeValue } from "./hdf5.js";
import { quoted } from "./quote.js";
import type { RawTensor } from "./safetensors.js";

export class TfH5Error extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = "TfH5Error";
  }
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function looksLikeHdf5(bytes: Uint8Array): boolean {
  return HDF5_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Reads every weight of a Keras `save_weights` HDF5 file (or one HF TF shard). */
export async function readTfH5(bytes: Uint8Array, source: string): Promise<Map<string, RawTensor>> {
  if (!looksLikeHdf5(bytes)) throw new TfH5Error(source, "not an HDF5 file (no HDF5 signature at offset 0)");
  const fail = (msg: string): never => {
    throw new TfH5Error(source, msg);
  };
  try {
    return readWeights(new Hdf5File(bytes, source), fail);
  } catch (e) {
    if (e instanceof Hdf5Error) throw new TfH5Error(source, e.message.slice(source.length + 2));
    throw e;
  }
}

function readWeights(file: Hdf5File, fail: (msg: string) => never): Map<string, RawTensor> {
  const root = file.root;
  const layerNames = stringList(root.attrs, "layer_names", "/", fail);
  const tensors = new Map<string, RawTensor>();
  const add = (key: string, dataset: Hdf5Dataset) => {
    if (tensors.has(key)) fail(`weight ${quoted(key)} appears twice`);
    tensors.set(key, datasetToRaw(dataset, fail));
  };

  for (const layer of layerNames) {
    checkPath(layer, fail);
    const node = root.get(layer);
    if (node instanceof Hdf5Dataset) {
      // HF sharded TF layout (tf_model-0000i-of-0000N.h5): datasets at the root, already named without the model.
      add(layer, node);
      continue;
    }
    if (!(node instanceof Hdf5Group)) return fail(`layer ${quoted(layer)} listed in layer_names is missing`);
    for (const weight of stringList(node.attrs, "weight_names", layer, fail)) {
      checkPath(weight, fail);
      const dataset = node.get(weight);
      if (!(dataset instanceof Hdf5Dataset))
        return fail(`weight ${quoted(`${layer}/${weight}`)} listed in weight_names is not a dataset`);
      // "tf_conv_next_for_image_classification/convnext/.../kernel:0" -> "convnext/.../kernel:0"
      const parts = weight.split("/");
      if (parts.length < 2) fail(`weight name ${quoted(weight)} has no model-name component`);
      add(parts.slice(1).join("/"), dataset);
    }
  }
  if (tensors.size === 0) fail("no weights (empty layer_names)");
  return tensors;
}

/** A Keras string-list attribute: `name`, or chunked `name0`, `name1`, … (arrays over 64 KB). */
function stringList(
  attrs: Map<string, AttributeValue>,
  name: string,
  where: string,
  fail: (msg: string) => never,
): string[] {
  const values: Array<string | number> = [];
  const take = (v: AttributeValue) => {
    for (const x of Array.isArray(v) ? v : [v]) values.push(x);
  };
  if (attrs.has(name)) take(attrs.get(name)!);
  else if (attrs.has(`${name}0`)) {
    for (let i = 0; attrs.has(`${name}${i}`); i++) take(attrs.get(`${name}${i}`)!);
  } else {
    return fail(`${quoted(where)} has no "${name}" attribute (not a Keras save_weights file)`);
  }
  return values.map((v) => {
    if (typeof v !== "string") return fail(`attribute "${name}" of ${quoted(where)} holds ${typeof v}, not strings`);
    return v;
  });
}

/** Names come from the file: refuse anything that is not a plain relative HDF5 path. */
function checkPath(path: string, fail: (msg: string) => never): void {
  const parts = path.split("/");
  if (path === "" || parts.some((p) => p === "" || p === "." || p === ".." || p in Object.prototype)) {
    fail(`invalid weight path ${quoted(path)}`);
  }
}

function datasetToRaw(dataset: Hdf5Dataset, fail: (msg: string) => never): RawTensor {
  // Shape and type come from the headers, before any data is read (or inflated).
  const dtype = dataset.dtype;
  if (dtype !== "F16" && dtype !== "F32" && dtype !== "F64")
    return fail(`dataset ${quoted(dataset.name)} is ${dtype}; only little-endian floats are supported`);
  const shape = dataset.shape;
  return { dtype: dtype as DType, shape, bytes: dataset.read(DTYPE_BYTES[dtype as DType]) };
}
