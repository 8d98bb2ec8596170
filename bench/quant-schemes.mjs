// Why the int8 GEMM uses 8-bit activations and weights with i32x4.dot_i16x8_s rather than relaxed SIMD's
// i8 x i7 dot product: the accuracy of each bit-width choice on convnext-tiny-224 (generated weights) and the
// 40 photos of bench/accuracy.mjs. Relaxed SIMD's i32x4.relaxed_dot_i8x16_i7x16_add_s is defined only when its
// second operand fits 7 bits unsigned, so it needs 7-bit activations (symmetric [-63, 63] shifted by 64, or
// asymmetric [0, 127]) or 7-bit weights ([-63, 63] + 64, activations then the signed int8 operand). Each scheme
// is simulated by fake quantization (quantize, then dequantize, in float) of the nn.Linear layers' inputs (per
// pixel) and weights (per output channel), everything else float32, on the wasm kernels of each other op.
// Slow (a few minutes): ten passes over the photos through op-by-op kernels. Output recorded in
// docs/QUANTIZATION.md.   npm run build && node bench/quant-schemes.mjs
import { ConvNextForImageClassification, configureBackend, getBackend, Tensor } from "../dist/index.js";
import { fastOps } from "../dist/backend/fast-ops.js";
import { photoPixels, relL2, top1Agreement } from "./photos.mjs";
import { benchModel, modelDir } from "./setup.mjs";

configureBackend({ backend: "wasm", threads: 0 });
const ops = fastOps(getBackend());
const { configFile, name } = benchModel("tiny");
const model = await ConvNextForImageClassification.fromPretrained(modelDir(configFile, name));
const pixels = await photoPixels();
const [N] = pixels.shape;

const roundEven = (v) => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * Fake-quantizes rows [rows, K] in place: symmetric to [-levels, levels], or asymmetric to [0, levels] with a
 * zero point (the range stretched to include 0, as DynamicQuantizeLinear does).
 */
function fakeQuantizeRows(x, rows, K, { levels, symmetric }) {
  for (let r = 0; r < rows; r++) {
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < K; k++) {
      lo = Math.min(lo, x[r * K + k]);
      hi = Math.max(hi, x[r * K + k]);
    }
    if (hi === lo) continue;
    if (symmetric) {
      const scale = Math.max(hi, -lo) / levels;
      for (let k = 0; k < K; k++) x[r * K + k] = roundEven(x[r * K + k] / scale) * scale;
    } else {
      const scale = (hi - lo) / levels;
      const zero = roundEven(-lo / scale);
      for (let k = 0; k < K; k++) {
        const q = Math.min(levels, Math.max(0, roundEven(x[r * K + k] / scale) + zero));
        x[r * K + k] = (q - zero) * scale;
      }
    }
  }
}

const SCHEMES = [
  { name: "float32 (the simulation itself, against the engine)" },
  { name: "int8 weights, float32 activations", weights: 127 },
  { name: "int8 weights, int8 activations [-127, 127] (i16 dot)", weights: 127, act: { levels: 127, symmetric: true } }, // prettier-ignore
  { name: "int8 weights, uint8 activations [0, 255] (i16 dot: this engine, onnxruntime's rule)", weights: 127, act: { levels: 255, symmetric: false } }, // prettier-ignore
  { name: "int8 weights, 7-bit activations [-63, 63] (relaxed i8 x i7 dot)", weights: 127, act: { levels: 63, symmetric: true } }, // prettier-ignore
  { name: "int8 weights, 7-bit activations [0, 127] (relaxed i8 x i7 dot)", weights: 127, act: { levels: 127, symmetric: false } }, // prettier-ignore
  { name: "7-bit weights [-63, 63], int8 activations (relaxed i8 x i7 dot)", weights: 63, act: { levels: 127, symmetric: true } }, // prettier-ignore
];

const weightCache = new Map();
/** The scheme's weights of an nn.Linear: fake-quantized per output channel (row), cached per bit width. */
function weightsOf(p, levels) {
  if (!levels) return p.data;
  const key = `${levels}`;
  if (!weightCache.has(key)) weightCache.set(key, new Map());
  const cache = weightCache.get(key);
  if (!cache.has(p)) {
    const w = p.data.slice();
    fakeQuantizeRows(w, p.shape[0], p.shape[1], { levels, symmetric: true });
    cache.set(p, w);
  }
  return cache.get(p);
}

/** nn.Linear on rows [M, K] with the scheme's quantization. */
function linear(out, x, layer, M, scheme) {
  const [Nout, K] = layer.weight.shape;
  if (scheme.act) fakeQuantizeRows(x, M, K, scheme.act);
  ops.linear(out, x, weightsOf(layer.weight, scheme.weights), layer.bias.data, M, K, Nout);
}

/** ConvNextForImageClassification's forward (V1 with layer scale), op by op on NCHW arrays. */
function forward(x, scheme) {
  const base = model.model;
  let [n, C, H, W] = x.shape;
  let cur = x.data;
  const conv = (m, k) => {
    const [OH, OW] = [H / k, W / k];
    const out = new Float32Array(n * m.outChannels * OH * OW);
    ops.conv2d(out, cur, m.weight.data, m.bias.data, n, C, H, W, m.outChannels, OH, OW, k, k, 0);
    [cur, C, H, W] = [out, m.outChannels, OH, OW];
  };
  const norm = (m) => {
    const out = new Float32Array(cur.length);
    ops.layerNormChannelsFirst(out, cur, m.weight.data, m.bias.data, n, C, H * W, m.eps);
    cur = out;
  };
  conv(base.embeddings.patch_embeddings, base.embeddings.patch_embeddings.kernelSize);
  norm(base.embeddings.layernorm);
  for (const stage of base.encoder.stages.items) {
    if (stage.downsampling_layer) {
      const [ln, c] = stage.downsampling_layer.items;
      norm(ln);
      conv(c, 2);
    }
    for (const b of stage.layers.items) {
      const HW = H * W;
      const t = new Float32Array(cur.length);
      ops.depthwiseConv2d(t, cur, b.dwconv.weight.data, b.dwconv.bias.data, n, C, H, W, H, W, 7, 3);
      ops.layerNormChannelsFirst(t, t, b.layernorm.weight.data, b.layernorm.bias.data, n, C, HW, b.layernorm.eps);
      const rows = new Float32Array(cur.length); // NHWC
      for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) for (let p = 0; p < HW; p++) rows[(i * HW + p) * C + c] = t[(i * C + c) * HW + p]; // prettier-ignore
      const h = new Float32Array(n * HW * 4 * C);
      linear(h, rows, b.pwconv1, n * HW, scheme);
      ops.gelu(h, h, h.length);
      const branch = new Float32Array(n * HW * C);
      linear(branch, h, b.pwconv2, n * HW, scheme);
      const g = b.layer_scale_parameter.data;
      const next = cur.slice();
      for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) for (let p = 0; p < HW; p++) next[(i * C + c) * HW + p] += g[c] * branch[(i * HW + p) * C + c]; // prettier-ignore
      cur = next;
    }
  }
  const pooled = new Float32Array(n * C);
  for (let i = 0; i < n * C; i++) {
    let s = 0;
    for (let p = 0; p < H * W; p++) s += cur[i * H * W + p];
    pooled[i] = s / (H * W);
  }
  const pooler = new Float32Array(n * C);
  ops.layerNormChannelsFirst(pooler, pooled, base.layernorm.weight.data, base.layernorm.bias.data, n, C, 1, base.layernorm.eps); // prettier-ignore
  const logits = new Float32Array(n * model.classifier.outFeatures);
  linear(logits, pooler.slice(), model.classifier, n, scheme);
  return { pooler, logits };
}

function run(scheme) {
  const per = pixels.size / N;
  const pooler = [];
  const logits = [];
  for (let i = 0; i < N; i += 8) {
    const n = Math.min(8, N - i);
    const out = forward(new Tensor(pixels.data.slice(i * per, (i + n) * per), [n, 3, 224, 224]), scheme);
    pooler.push(...out.pooler);
    logits.push(...out.logits);
  }
  return { pooler: Float32Array.from(pooler), logits: Float32Array.from(logits) };
}

const reference = run(SCHEMES[0]);
const engine = model.forward(pixels).logits.data;
console.log(`convnext-tiny-224 (generated weights), ${N} photos; errors relative to float32 (rel. L2)\n`);
console.log("| weights x activations | logits | pooler_output | top-1 = float32 |\n|---|---|---|---|");
for (const scheme of SCHEMES) {
  const out = scheme === SCHEMES[0] ? { ...reference, logits: engine } : run(scheme);
  const pct = (v) => `${(100 * v).toFixed(3)}%`;
  const pooler = scheme === SCHEMES[0] ? "-" : pct(relL2(out.pooler, reference.pooler));
  console.log(`| ${scheme.name} | ${pct(relL2(out.logits, reference.logits))} | ${pooler} | ${top1Agreement(out.logits, reference.logits, N)} / ${N} |`); // prettier-ignore
}
process.exit(0);
