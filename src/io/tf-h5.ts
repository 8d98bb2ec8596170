// tf_model.h5 -> raw tensors under TF variable names. HF's TF models save with Keras 2's save_weights:
// a root attribute `layer_names`, one group per layer with a `weight_names` attribute listing dataset paths
// `<model name>/<layer>/.../kernel:0` (test/fixtures/formats/H5-LAYOUT.md). Like HF's loader we drop the
// model-name component, giving the keys TF safetensors files use (`convnext/embeddings/.../kernel:0`);
// keys.ts maps those to PyTorch names. HDF5 is parsed by jsfive (pure JS, loaded only for this format).

import type { Dataset, Group } from "jsfive";
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
  const jsfive = await import("jsfive");
  const fail = (msg: string): never => {
    throw new TfH5Error(source, msg);
  };
  // jsfive throws strings; every call into it goes through here so errors name the file.
  const guard = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof TfH5Error) throw e;
      return fail(`cannot read ${what} (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  const file = guard("the HDF5 structure", () => new jsfive.File(buffer as ArrayBuffer, source));
  const rootAttrs = guard("the root attributes", () => file.attrs);
  const layerNames = stringList(rootAttrs, "layer_names", "/", fail);
  const tensors = new Map<string, RawTensor>();
  const add = (key: string, dataset: Dataset) => {
    if (tensors.has(key)) fail(`weight "${key}" appears twice`);
    tensors.set(
      key,
      guard(`dataset "${dataset.name}"`, () => datasetToRaw(dataset, fail)),
    );
  };

  for (const layer of layerNames) {
    checkPath(layer, fail);
    const node = guard(`layer "${layer}"`, () => file.get(layer));
    if (node instanceof jsfive.Dataset) {
      // HF sharded TF layout (tf_model-0000i-of-0000N.h5): datasets at the root, already named without the model.
      add(layer, node);
      continue;
    }
    if (!(node instanceof jsfive.Group)) return fail(`layer "${layer}" listed in layer_names is missing`);
    const group = node as Group;
    for (const weight of stringList(
      guard(`attributes of "${layer}"`, () => group.attrs),
      "weight_names",
      layer,
      fail,
    )) {
      checkPath(weight, fail);
      const dataset = guard(`weight "${layer}/${weight}"`, () => group.get(weight));
      if (!(dataset instanceof jsfive.Dataset))
        return fail(`weight "${layer}/${weight}" listed in weight_names is not a dataset`);
      // "tf_conv_next_for_image_classification/convnext/.../kernel:0" -> "convnext/.../kernel:0"
      const parts = weight.split("/");
      if (parts.length < 2) fail(`weight name "${weight}" has no model-name component`);
      add(parts.slice(1).join("/"), dataset);
    }
  }
  if (tensors.size === 0) fail("no weights (empty layer_names)");
  return tensors;
}

/** A Keras string-list attribute: `name`, or chunked `name0`, `name1`, … (arrays over 64 KB). */
function stringList(
  attrs: Record<string, unknown>,
  name: string,
  where: string,
  fail: (msg: string) => never,
): string[] {
  let values: unknown[];
  if (name in attrs) values = toArray(attrs[name]);
  else if (`${name}0` in attrs) {
    values = [];
    for (let i = 0; `${name}${i}` in attrs; i++) values.push(...toArray(attrs[`${name}${i}`]));
  } else {
    return fail(`"${where}" has no "${name}" attribute (not a Keras save_weights file)`);
  }
  return values.map((v) => {
    const s = v instanceof Uint8Array ? new TextDecoder().decode(v) : v;
    if (typeof s !== "string") return fail(`attribute "${name}" of "${where}" holds ${typeof v}, not strings`);
    return s.replace(/\0+$/, ""); // fixed-length strings are null-padded
  });
}

function toArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  return [v];
}

/** Names come from the file: refuse anything that is not a plain relative HDF5 path. */
function checkPath(path: string, fail: (msg: string) => never): void {
  const parts = path.split("/");
  if (path === "" || parts.some((p) => p === "" || p === "." || p === ".." || p in Object.prototype)) {
    fail(`invalid weight path ${JSON.stringify(path)}`);
  }
}

function datasetToRaw(dataset: Dataset, fail: (msg: string) => never): RawTensor {
  const shape = [...dataset.shape];
  const count = shape.reduce((a, b) => a * b, 1);
  const dtype = dataset.dtype;
  const kind = typeof dtype === "string" ? dtype.replace(/^[<=|]/, "") : "";
  if (typeof dtype !== "string" || dtype.startsWith(">") || !["f2", "f4", "f8"].includes(kind)) {
    return fail(`dataset "${dataset.name}" has type ${JSON.stringify(dtype)}; only little-endian floats are supported`);
  }
  const values = dataset.value;
  if (values.length !== count)
    fail(`dataset "${dataset.name}" holds ${values.length} values, its shape [${shape}] needs ${count}`);
  // jsfive hands back JS numbers; float32 (and float16) values round-trip exactly through them.
  const out =
    kind === "f8" ? Float64Array.from(values as ArrayLike<number>) : Float32Array.from(values as ArrayLike<number>);
  return { dtype: kind === "f8" ? "F64" : "F32", shape, bytes: new Uint8Array(out.buffer) };
}
