// ConvNeXT V2 through the other checkpoint formats and the CLI's convert/info, as V1: the V2 fixtures'
// weights re-packed as a torch zip pytorch_model.bin and as TF-named safetensors (TFConvNextV2 names:
// kernels [kh, kw, in, out] / [in, out], LayerNorm gamma/beta, grn/weight and grn/bias unchanged) must
// reproduce the real transformers v4.37.2 outputs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { memoryFiles } from "../../src/pretrained/model-files.js";
import { serializeSafetensors } from "../../src/io/safetensors.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fixture, readTensors } from "../helpers/helpers.js";
import { statePickle, tensorOps, torchZip } from "../helpers/torch-writer.js";
import { expectParity, runFixture } from "../helpers/parity.js";

const V2_FIXTURES = ["v2-tiny-classifier", "v2-backbone"];

function pytorchBin(weights: Map<string, Tensor>): Uint8Array {
  const entries = [...weights].map(([name, t], i) => ({ name, t, key: String(i) }));
  const pickle = statePickle(
    entries.map(({ name, t, key }) => [
      name,
      tensorOps({ storageKey: key, storageNumel: t.size, shape: [...t.shape] }),
    ]),
  );
  const storages = entries.map(({ t, key }): [string, Uint8Array] => [key, new Uint8Array(t.data.slice().buffer)]);
  return torchZip(pickle, storages, "pytorch_model");
}

/** PyTorch key and layout -> the TF variable name and layout TFConvNextV2 saves. */
function toTf(key: string, t: Tensor): [string, Tensor] {
  const parts = key.split(".");
  const last = parts.pop()!;
  const isGrn = parts[parts.length - 1] === "grn";
  const path = parts.join(".").replace(/\.(?=[a-z_]+(?:\.|$))/g, "/"); // "a.b.stages.0.layers.1.dwconv" -> "a/b/stages.0/layers.1/dwconv"
  const s = t.shape;
  if (last === "weight" && !isGrn && s.length === 4) {
    const [o, i, kh, kw] = s;
    const out = new Float32Array(t.size);
    for (let a = 0; a < o; a++)
      for (let b = 0; b < i; b++)
        for (let h = 0; h < kh; h++)
          for (let w = 0; w < kw; w++) out[((h * kw + w) * i + b) * o + a] = t.data[((a * i + b) * kh + h) * kw + w];
    return [`${path}/kernel:0`, new Tensor(out, [kh, kw, i, o])];
  }
  if (last === "weight" && !isGrn && s.length === 2) {
    const [o, i] = s;
    const out = new Float32Array(t.size);
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) out[b * o + a] = t.data[a * i + b];
    return [`${path}/kernel:0`, new Tensor(out, [i, o])];
  }
  const isNorm = /layernorm|downsampling_layer\.0|hidden_states_norms/.test(key) && !isGrn;
  const name = isNorm ? (last === "weight" ? "gamma" : "beta") : last;
  return [`${path}/${name}:0`, t];
}

describe("ConvNeXT V2 in other checkpoint formats", () => {
  for (const name of V2_FIXTURES) {
    const config = readFileSync(fixture(name, "config.json"));
    const weights = readTensors(fixture(name, "model.safetensors"));

    it(`${name}: pytorch_model.bin (torch zip)`, async () => {
      const files = memoryFiles(`${name}-bin`, { "config.json": config, "pytorch_model.bin": pytorchBin(weights) });
      expectParity(name, await runFixture(name, files));
    });

    it(`${name}: TF-named safetensors`, async () => {
      const tf = [...weights].map(([k, t]) => toTf(k, t));
      expect(tf.some(([k]) => /grn\/weight:0$/.test(k))).toBe(true);
      expect(tf.some(([k]) => /dwconv\/kernel:0$/.test(k))).toBe(true);
      const files = memoryFiles(`${name}-tf`, {
        "config.json": config,
        "model.safetensors": serializeSafetensors(tf, { format: "tf" }),
      });
      expectParity(name, await runFixture(name, files));
    });
  }
});
