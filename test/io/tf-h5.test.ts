// tf_model.h5 reading at the file level: names as HF's loader sees them, and hostile or damaged files
// failing with the file's name (formats.test.ts checks the mapped weights and the outputs).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { readTfH5 } from "../../src/io/tf-h5.js";
import { tfKernelToPt, tfToPtName } from "../../src/pretrained/keys.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fixture } from "../helpers/helpers.js";

const H5 = fixture("formats/three-stage-patch2/tf/tf_model.h5");
const bytes = new Uint8Array(readFileSync(H5));

describe("tf_model.h5", () => {
  test("keys drop the Keras model name and keep ':0', like TF safetensors files", async () => {
    const t = await readTfH5(bytes, "tf_model.h5");
    expect(t.size).toBe(52);
    expect(t.get("convnext/encoder/stages.1/layers.0/dwconv/kernel:0")!.shape).toEqual([7, 7, 1, 24]);
    expect(t.get("classifier/kernel:0")!.shape).toEqual([48, 3]);
    expect([...t.keys()].every((k) => !k.startsWith("tf_conv_next"))).toBe(true);
  });

  test("damaged files fail with the file name, at every tenth of the length", async () => {
    for (let k = 1; k < 10; k++) {
      const cut = bytes.subarray(0, Math.floor((bytes.length * k) / 10));
      await expect(readTfH5(cut, "cut.h5"), `cut at ${k}/10`).rejects.toThrow(/^cut\.h5: /);
    }
  });

  test("overwritten bytes: any failure names the file (HDF5 v0 has no checksums, so flipped data bytes go unnoticed)", async () => {
    // every 997th byte flipped, 8 different offset patterns: the reader must not fail outside its error type
    for (let start = 0; start < 8; start++) {
      const bad = bytes.slice();
      for (let i = 64 + start * 131; i < bad.length; i += 997) bad[i] ^= 0xff;
      try {
        await readTfH5(bad, "flipped.h5");
      } catch (e) {
        expect((e as Error).message).toMatch(/^flipped\.h5: /);
      }
    }
  });

  test("not an HDF5 file", async () => {
    await expect(readTfH5(new Uint8Array(100), "x.h5")).rejects.toThrow(/x\.h5: not an HDF5 file/);
  });
});

describe("TF -> PyTorch names and layouts (HF's convert_tf_weight_name_to_pt_weight_name)", () => {
  test("names", () => {
    expect(tfToPtName("convnext/encoder/stages.1/downsampling_layer.0/gamma:0")).toEqual({
      key: "convnext.encoder.stages.1.downsampling_layer.0.weight",
      kernel: false,
    });
    expect(tfToPtName("convnext/embeddings/layernorm/beta:0")).toEqual({
      key: "convnext.embeddings.layernorm.bias",
      kernel: false,
    });
    expect(tfToPtName("convnext/encoder/stages.0/layers.0/layer_scale_parameter:0").key).toBe(
      "convnext.encoder.stages.0.layers.0.layer_scale_parameter",
    );
    expect(tfToPtName("classifier/kernel:0")).toEqual({ key: "classifier.weight", kernel: true });
  });

  test("a Conv2D kernel [kh, kw, in, out] becomes [out, in, kh, kw]; a Dense [in, out] becomes [out, in]", () => {
    // element (h, w, i, o) holds the number hwio in decimal digits
    const conv = new Tensor(new Float32Array(2 * 3 * 2 * 4), [2, 3, 2, 4]);
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 3; w++)
        for (let i = 0; i < 2; i++)
          for (let o = 0; o < 4; o++) conv.data[((h * 3 + w) * 2 + i) * 4 + o] = h * 1000 + w * 100 + i * 10 + o;
    const pt = tfKernelToPt(conv, "k");
    expect(pt.shape).toEqual([4, 2, 2, 3]);
    expect(pt.data[((3 * 2 + 1) * 2 + 1) * 3 + 2]).toBe(1000 + 200 + 10 + 3); // [o=3, i=1, h=1, w=2]
    const dense = tfKernelToPt(new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]), "d");
    expect(dense.shape).toEqual([3, 2]);
    expect(Array.from(dense.data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => tfKernelToPt(new Tensor(new Float32Array(8), [2, 2, 2]), "odd")).toThrow(
      /TF kernel "odd" has shape \[2, 2, 2\]/,
    );
  });
});
