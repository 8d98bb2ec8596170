// Accuracy of each weight dtype against float32 on convnext-tiny-224 (bench/configs, generated weights) and the
// test corpus's 40 real photos (test/fixtures/preprocess-photos, preprocessed as ConvNextImageProcessor does):
// relative L2 error of logits and pooler_output (all photos together, and the worst photo), and how many
// photos keep float32's top-1 label. Each dtype's weights are written by `convnext convert --dtype` and read
// back, as users get them. With --peers, onnxruntime-node on the int8 ONNX graph quantize_dynamic would write
// (one activation scale per tensor) for comparison. The output is recorded in docs/QUANTIZATION.md.
//   npm run build && node bench/accuracy.mjs [--dtype f16,bf16,int8] [--peers] [--backend wasm] [--json]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configureBackend, ConvNextForImageClassification, Tensor } from "../dist/index.js";
import { photoPixels, relL2, top1Agreement } from "./photos.mjs";
import { benchModel, benchOptions, dtypeDir, ensurePeers, modelDir, onnxFile } from "./setup.mjs";

const { opt, flag, list } = benchOptions(process.argv.slice(2));
const dtypes = list("dtype", "f16,bf16,int8");
const backend = opt("backend", "wasm");
const json = flag("json");
configureBackend({ backend, threads: 0 });
const { configFile, name } = benchModel("tiny");
const dir = modelDir(configFile, name);
const pixels = await photoPixels(); // [40, 3, 224, 224]
const [N] = pixels.shape;
const per = pixels.size / N;

/** logits [N, L] and pooler_output [N, C] of `run` on the photos, 8 at a time. */
async function outputs(run) {
  const logits = [];
  const pooler = [];
  for (let i = 0; i < N; i += 8) {
    const n = Math.min(8, N - i);
    const x = new Tensor(pixels.data.slice(i * per, (i + n) * per), [n, ...pixels.shape.slice(1)]);
    const out = await run(x);
    logits.push(out.logits);
    if (out.pooler) pooler.push(out.pooler);
  }
  const cat = (parts) => Float32Array.from(parts.flatMap((p) => Array.from(p)));
  return { logits: cat(logits), pooler: pooler.length ? cat(pooler) : null };
}

/** Errors of `o` against the float32 outputs `e`: all photos together and the worst photo, top-1 kept. */
function compare(o, e) {
  const L = e.logits.length / N;
  const worst = (a, b, n) => Math.max(...Array.from({ length: N }, (_, i) => relL2(a, b, i * n, (i + 1) * n)));
  const C = e.pooler.length / N;
  return {
    logits_rel_l2: relL2(o.logits, e.logits),
    logits_rel_l2_worst_photo: worst(o.logits, e.logits, L),
    pooler_rel_l2: o.pooler ? relL2(o.pooler, e.pooler) : null,
    pooler_rel_l2_worst_photo: o.pooler ? worst(o.pooler, e.pooler, C) : null,
    top1_agreement: top1Agreement(o.logits, e.logits, N),
    photos: N,
  };
}

const ours = (model) => async (x) => {
  const out = model.forward(x);
  return { logits: out.logits.data, pooler: out.poolerOutput.data };
};
const load = (d) => ConvNextForImageClassification.fromPretrained(d, { dtype: "auto" });
const reference = await outputs(ours(await load(dir)));
const rows = [];
for (const dtype of dtypes) {
  const model = await load(dtypeDir(dir, dtype));
  const bytes = readFileSync(join(dtypeDir(dir, dtype), "model.safetensors")).length;
  rows.push({ system: "convnext", dtype, file_mb: +(bytes / 1e6).toFixed(1), ...compare(await outputs(ours(model)), reference) }); // prettier-ignore
}
if (flag("peers")) {
  ensurePeers(); // not dependencies of the project: installed the first time
  const ort = await import("onnxruntime-node");
  for (const dtype of ["f32", "int8"]) {
    const session = await ort.InferenceSession.create(onnxFile(dtypeDir(dir, dtype), 224), { graphOptimizationLevel: "all" }); // prettier-ignore
    const run = async (x) => ({ logits: (await session.run({ pixel_values: new ort.Tensor("float32", x.data, x.shape) })).logits.data }); // prettier-ignore
    rows.push({ system: "onnxruntime-node (our ONNX export)", dtype, ...compare(await outputs(run), reference) });
  }
}
const fmt = (v) => (v === null ? "-" : `${(100 * v).toFixed(3)}%`);
if (json) console.log(JSON.stringify({ model: name, backend, photos: N, results: rows }, null, 1));
else {
  console.log(`${name} (generated weights), ${N} photos, ${backend} backend; errors relative to float32 (rel. L2)\n`);
  console.log("| system | dtype | file MB | logits | logits, worst photo | pooler_output | pooler_output, worst photo | top-1 = float32 |"); // prettier-ignore
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.system} | ${r.dtype} | ${r.file_mb ?? "-"} | ${fmt(r.logits_rel_l2)} | ${fmt(r.logits_rel_l2_worst_photo)} | ${fmt(r.pooler_rel_l2)} | ${fmt(r.pooler_rel_l2_worst_photo)} | ${r.top1_agreement} / ${r.photos} |`); // prettier-ignore
  }
}
process.exit(0);
