// The same model in each weight dtype, in one process, passes interleaved (each round runs every dtype
// once), so a busy host slows them alike: the minimum wall time per image and, with one thread, the
// minimum CPU time (which waiting for a core does not count). --peers adds onnxruntime-web on the float32
// and int8 ONNX graphs of bench/onnx-export.mjs, interleaved with the rest. A quick ratio while tuning;
// `npm run bench -- --dtype ...` (one process per configuration, medians) is the measurement of record.
//   npm run build && node bench/dtypes.mjs [--dtype f16,bf16,int8] [--peers] [--threads 1] [--batch 8] [--rounds 6]
import { configureBackend, ConvNextForImageClassification, Tensor } from "../dist/index.js";
import { benchModel, benchOptions, dtypeDir, ensurePeers, modelDir, onnxFile } from "./setup.mjs";
import { benchInput } from "./timing.mjs";

const { opt, list, flag } = benchOptions(process.argv.slice(2));
const threads = Number(opt("threads", "1"));
const batch = Number(opt("batch", "8"));
const rounds = Number(opt("rounds", "6"));
const dtypes = ["f32", ...list("dtype", "f16,int8").filter((d) => d !== "f32")];
configureBackend({ backend: "wasm", threads });
const { configFile, name, size } = benchModel(opt("model", "tiny"));
const dir = modelDir(configFile, name);
const x = new Tensor(benchInput(batch, size), [batch, 3, size, size]);
const runs = {}; // name -> one pass
for (const d of dtypes) {
  const model = await ConvNextForImageClassification.fromPretrained(dtypeDir(dir, d), { dtype: "auto" });
  runs[d] = async () => model.forward(x);
}
if (flag("peers")) {
  ensurePeers(); // not dependencies of the project: installed the first time
  const { readFileSync } = await import("node:fs");
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = threads;
  const feeds = { pixel_values: new ort.Tensor("float32", x.data, x.shape) };
  for (const d of dtypes.filter((t) => t === "f32" || t === "int8")) {
    const bytes = new Uint8Array(readFileSync(onnxFile(dtypeDir(dir, d), size)));
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" }); // prettier-ignore
    runs[`onnxruntime-web ${d}`] = () => session.run(feeds);
  }
}
const wall = {};
const cpu = {};
for (const name of Object.keys(runs)) {
  await runs[name](); // warm-up: workspaces, weights, tier-up
  await runs[name]();
  [wall[name], cpu[name]] = [Infinity, Infinity];
}
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(runs)) {
    const c = process.cpuUsage();
    const t = performance.now();
    await run();
    const u = process.cpuUsage(c);
    wall[name] = Math.min(wall[name], (performance.now() - t) / batch);
    cpu[name] = Math.min(cpu[name], (u.user + u.system) / 1000 / batch);
  }
}
console.log(`${name}, wasm, ${threads} thread(s), batch ${batch}, min of ${rounds} interleaved rounds, ms/image:`);
for (const d of Object.keys(runs)) {
  const cpuCell = threads === 1 ? `, CPU ${cpu[d].toFixed(1)} (${(cpu[d] / cpu.f32).toFixed(3)}x)` : "";
  console.log(`  ${d.padEnd(20)} wall ${wall[d].toFixed(1)} (${(wall[d] / wall.f32).toFixed(3)}x)${cpuCell}`);
}
for (const d of ["f32", "int8"].filter((t) => runs[`onnxruntime-web ${t}`] && runs[t])) {
  const peer = `onnxruntime-web ${d}`;
  const cells = [`wall ${(wall[peer] / wall[d]).toFixed(2)}x`, ...(threads === 1 ? [`CPU ${(cpu[peer] / cpu[d]).toFixed(2)}x`] : [])]; // prettier-ignore
  console.log(`  ${peer} / ours ${d}: ${cells.join(", ")}`);
}
process.exit(0);
