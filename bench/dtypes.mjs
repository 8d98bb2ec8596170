// The same model in each weight dtype, in one process, passes interleaved (each round runs every dtype
// once), so a busy host slows them alike: the minimum wall time per image and, with one thread, the
// minimum CPU time (which waiting for a core does not count). A quick ratio while tuning; `npm run bench --
// --dtype ...` (one process per configuration, medians, peers) is the measurement of record.
//   npm run build && node bench/dtypes.mjs [--dtype f16,bf16,int8] [--threads 1] [--batch 8] [--rounds 6]
import { configureBackend, ConvNextForImageClassification, Tensor } from "../dist/index.js";
import { benchModel, benchOptions, dtypeDir, modelDir } from "./setup.mjs";
import { benchInput } from "./timing.mjs";

const { opt, list } = benchOptions(process.argv.slice(2));
const threads = Number(opt("threads", "1"));
const batch = Number(opt("batch", "8"));
const rounds = Number(opt("rounds", "6"));
const dtypes = ["f32", ...list("dtype", "f16,int8").filter((d) => d !== "f32")];
configureBackend({ backend: "wasm", threads });
const { configFile, name, size } = benchModel(opt("model", "tiny"));
const dir = modelDir(configFile, name);
const models = {};
for (const d of dtypes) models[d] = await ConvNextForImageClassification.fromPretrained(dtypeDir(dir, d), { dtype: "auto" }); // prettier-ignore
const x = new Tensor(benchInput(batch, size), [batch, 3, size, size]);
const wall = {};
const cpu = {};
for (const d of dtypes) {
  models[d].forward(x); // warm-up: workspaces, weights, tier-up
  models[d].forward(x);
  [wall[d], cpu[d]] = [Infinity, Infinity];
}
for (let r = 0; r < rounds; r++) {
  for (const d of dtypes) {
    const c = process.cpuUsage();
    const t = performance.now();
    models[d].forward(x);
    const u = process.cpuUsage(c);
    wall[d] = Math.min(wall[d], (performance.now() - t) / batch);
    cpu[d] = Math.min(cpu[d], (u.user + u.system) / 1000 / batch);
  }
}
console.log(`${name}, wasm, ${threads} thread(s), batch ${batch}, min of ${rounds} interleaved rounds, ms/image:`);
for (const d of dtypes) {
  const cpuCell = threads === 1 ? `, CPU ${cpu[d].toFixed(1)} (${(cpu[d] / cpu.f32).toFixed(3)}x)` : "";
  console.log(`  ${d.padEnd(5)} wall ${wall[d].toFixed(1)} (${(wall[d] / wall.f32).toFixed(3)}x)${cpuCell}`);
}
process.exit(0);
