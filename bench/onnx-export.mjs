// Writes a ConvNeXT (V1) classifier as an ONNX graph (opset 17) from our loaded weights, so onnxruntime
// runs exactly the same model: NCHW convs, channels-last LayerNorm + MatMul blocks like HF's module (and
// like torch.onnx's export of it), GELU as x * 0.5 * (1 + erf(x / sqrt 2)), which onnxruntime fuses.
// A model loaded with int8 Linear weights (convnext convert --dtype int8) is written as onnxruntime's
// quantize_dynamic writes a per-channel quantized MatMul: DynamicQuantizeLinear on the input (uint8, one
// scale and zero point for the whole tensor), MatMulInteger with the same int8 weights (zero points 0), then
// the int32 sums cast to float and scaled by input scale x weight scales, plus the bias; onnxruntime fuses
// these into its DynamicQuantizeMatMul. The convs stay float, as in our int8 model.
// A minimal protobuf writer for the few onnx.proto messages needed; field numbers from onnx.proto (proto2).
//   node bench/onnx-export.mjs DIR OUT.onnx SIZE: the model in DIR (config.json + weights) as ONNX
//   (`npm run build` first; bench/setup.mjs runs it when a benchmark needs DIR/model.onnx)

import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

class Writer {
  constructor() {
    this.parts = [];
    this.length = 0;
  }
  raw(bytes) {
    this.parts.push(bytes);
    this.length += bytes.length;
  }
  varint(n) {
    const out = [];
    let v = BigInt.asUintN(64, BigInt(n));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v) byte |= 0x80;
      out.push(byte);
    } while (v);
    this.raw(Uint8Array.from(out));
  }
  key(field, wire) {
    this.varint((field << 3) | wire);
  }
  int(field, n) {
    this.key(field, 0);
    this.varint(n);
  }
  float(field, f) {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, f, true);
    this.raw(b);
  }
  bytes(field, bytes) {
    this.key(field, 2);
    this.varint(bytes.length);
    this.raw(bytes);
  }
  string(field, s) {
    this.bytes(field, new TextEncoder().encode(s));
  }
  message(field, build) {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

const FLOAT = 1;
const INT8 = 3;
const ATTR = { FLOAT: 1, INT: 2, INTS: 7 };

function attribute(w, name, value) {
  w.message(5, (a) => {
    a.string(1, name);
    if (Array.isArray(value)) {
      for (const v of value) a.int(8, v);
      a.int(20, ATTR.INTS);
    } else if (Number.isInteger(value)) {
      a.int(3, value);
      a.int(20, ATTR.INT);
    } else {
      a.float(2, value);
      a.int(20, ATTR.FLOAT);
    }
  });
}

function valueInfo(w, field, name, dims) {
  w.message(field, (v) => {
    v.string(1, name);
    v.message(2, (t) =>
      t.message(1, (tt) => {
        tt.int(1, FLOAT);
        tt.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => (typeof d === "string" ? dim.string(2, d) : dim.int(1, d)));
        });
      }),
    );
  });
}

/** model: a loaded ConvNextForImageClassification (V1). Returns the ONNX bytes. */
export function convnextToOnnx(model, imageSize) {
  const config = model.config;
  const nodes = [];
  const inits = [];
  let counter = 0;
  const fresh = (hint) => `${hint}_${counter++}`;
  const node = (op, inputs, attrs = {}, outputs = 1) => {
    const outs = Array.from({ length: outputs }, () => fresh(op));
    nodes.push({ op, inputs, outputs: outs, attrs });
    return outputs === 1 ? outs[0] : outs;
  };
  const init = (name, data, dims, type = FLOAT) => {
    inits.push({ name, data: type === FLOAT ? Float32Array.from(data) : data, dims, type });
    return name;
  };
  const scalar = (v) => init(fresh("const"), [v], []);
  const param = (name, p, dims = p.shape) => init(name, p.float32(), dims);
  const transposed = (name, p) => {
    const [n, k] = p.shape;
    const t = new Float32Array(n * k);
    const v = p.float32();
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) t[j * n + i] = v[i * k + j];
    return init(name, t, [k, n]);
  };
  const toNHWC = (x) => node("Transpose", [x], { perm: [0, 2, 3, 1] });
  const toNCHW = (x) => node("Transpose", [x], { perm: [0, 3, 1, 2] });
  const ln = (x, m, name, axis) =>
    node("LayerNormalization", [x, param(`${name}.weight`, m.weight), param(`${name}.bias`, m.bias)], {
      axis,
      epsilon: m.eps,
    });
  const conv = (x, m, name, attrs) =>
    node("Conv", [x, param(`${name}.weight`, m.weight), param(`${name}.bias`, m.bias)], attrs);
  // x [..., in] . weight^T + bias, for an nn.Linear weight [out, in]: float, or int8 as quantize_dynamic does it
  const linear = (x, name, weight, bias) => {
    const s = weight.stored;
    if (s?.dtype !== "I8") return node("Add", [node("MatMul", [x, transposed(`${name}.w`, weight)]), param(`${name}.b`, bias)]); // prettier-ignore
    const [n, k] = weight.shape;
    const t = new Int8Array(n * k); // [in, out]
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) t[j * n + i] = s.values[i * k + j];
    const w = init(`${name}.w_quantized`, t, [k, n], INT8);
    const wZero = init(`${name}.w_zero_point`, new Int8Array(n), [n], INT8);
    const [xq, xScale, xZero] = node("DynamicQuantizeLinear", [x], {}, 3);
    const acc = node("MatMulInteger", [xq, w, xZero, wZero]);
    const scale = node("Mul", [xScale, init(`${name}.w_scale`, s.scales, [n])]);
    return node("Add", [node("Mul", [node("Cast", [acc], { to: FLOAT }), scale]), param(`${name}.b`, bias)]);
  };
  const gelu = (x) => {
    const erf = node("Erf", [node("Div", [x, scalar(Math.SQRT2)])]);
    return node("Mul", [node("Mul", [x, node("Add", [erf, scalar(1)])]), scalar(0.5)]);
  };

  const base = model.model;
  const pe = base.embeddings.patch_embeddings;
  let x = conv("pixel_values", pe, "stem", {
    kernel_shape: [pe.kernelSize, pe.kernelSize],
    strides: [pe.kernelSize, pe.kernelSize],
  });
  x = toNCHW(ln(toNHWC(x), base.embeddings.layernorm, "stem.ln", 3));
  base.encoder.stages.items.forEach((stage, s) => {
    if (stage.downsampling_layer) {
      const [norm, c] = stage.downsampling_layer.items;
      x = toNCHW(ln(toNHWC(x), norm, `s${s}.down.ln`, 3));
      x = conv(x, c, `s${s}.down`, {
        kernel_shape: [c.kernelSize, c.kernelSize],
        strides: [c.kernelSize, c.kernelSize],
      });
    }
    stage.layers.items.forEach((b, j) => {
      const name = `s${s}.b${j}`;
      const k = b.dwconv.kernelSize;
      const p = b.dwconv.padding;
      const dw = conv(x, b.dwconv, `${name}.dw`, { kernel_shape: [k, k], pads: [p, p, p, p], group: b.dim });
      let h = ln(toNHWC(dw), b.layernorm, `${name}.ln`, 3);
      h = gelu(linear(h, `${name}.pw1`, b.pwconv1.weight, b.pwconv1.bias));
      h = linear(h, `${name}.pw2`, b.pwconv2.weight, b.pwconv2.bias);
      if (b.layer_scale_parameter) h = node("Mul", [h, param(`${name}.gamma`, b.layer_scale_parameter)]);
      x = node("Add", [x, toNCHW(h)]);
    });
  });
  let pooled = node("ReduceMean", [x], { axes: [2, 3], keepdims: 0 });
  pooled = ln(pooled, base.layernorm, "pooler.ln", 1);
  const classifier = model.classifier;
  if (classifier.weight.stored?.dtype === "I8") linear(pooled, "classifier", classifier.weight, classifier.bias);
  else node("Gemm", [pooled, param("classifier.weight", classifier.weight), param("classifier.bias", classifier.bias)], { transB: 1 }); // prettier-ignore
  nodes[nodes.length - 1].outputs = ["logits"];

  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, "convnext bench/onnx-export.mjs");
  w.message(8, (o) => {
    o.string(1, "");
    o.int(2, 17);
  });
  w.message(7, (g) => {
    for (const n of nodes) {
      g.message(1, (m) => {
        for (const i of n.inputs) m.string(1, i);
        for (const o of n.outputs) m.string(2, o);
        m.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs)) attribute(m, k, v);
      });
    }
    g.string(2, "convnext");
    for (const t of inits) {
      g.message(5, (m) => {
        for (const d of t.dims) m.int(1, d);
        m.int(2, t.type);
        m.string(8, t.name);
        m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      });
    }
    valueInfo(g, 11, "pixel_values", ["N", config.numChannels, imageSize, imageSize]);
    valueInfo(g, 12, "logits", ["N", config.numLabels]);
  });
  return w.finish();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [dir, out, size] = process.argv.slice(2);
  const { ConvNextForImageClassification } = await import("../dist/index.js");
  const model = await ConvNextForImageClassification.fromPretrained(dir);
  writeFileSync(out, convnextToOnnx(model, Number(size)));
  console.error(`wrote ${out}`);
}
