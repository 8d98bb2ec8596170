// `npm run bench [-- options]`: times this engine (and with --peers, onnxruntime-node and -web on the
// same weights and input) on generated weights; each configuration runs in its own process.
//   --model tiny|base|large|atto|PATH/config.json  architecture (default tiny = convnext-tiny-224; base, large: convnext-base/-large-224; atto = ConvNeXT V2 atto)
//   --batches 1,8  --threads 1,2  --backends wasm,js  --runs 10  --rounds 1  --peers  --json  --js-batches 1
//   --dtype int8|f16|bf16[,...]  rows for the same weights in those dtypes besides float32 (our wasm backends;
//       with --peers, onnxruntime-web and -node on the int8 graph quantize_dynamic would write)
//   (--backends wasm-relaxed: wasm with Node 20's --experimental-wasm-relaxed-simd, i.e. fused multiply-add)
//   --train: a training step instead (bench/train.mjs)
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { flopsPerImage } from "./flops.mjs";
import { benchModel, benchOptions, dtypeDir, ensurePeers, modelDir, onnxFile } from "./setup.mjs";
import { logitsWarnings, medianOfRounds, ratioText, resultRow, resultTable } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { opt, flag, list } = benchOptions(process.argv.slice(2));
if (flag("train")) {
  await import("./train.mjs"); // the training step benchmark (bench/train.mjs)
  process.exit(0);
}
const { configFile, config, name, size } = benchModel(opt("model", "tiny"));
const runs = Number(opt("runs", "10"));
const batches = list("batches", "1,8").map(Number);
const threadCounts = list("threads", "1,2").map(Number);
const backends = list("backends", "wasm,js");
const jsBatches = list("js-batches", "1").map(Number);
const json = flag("json");
const dtypes = ["f32", ...list("dtype", "").filter((d) => d !== "f32")];
const log = (...a) => (json ? console.error(...a) : console.log(...a));

const dir = modelDir(configFile, name);

const child = (script, argv, nodeFlags = []) => {
  const out = execFileSync(process.execPath, [...nodeFlags, join(here, script), ...argv.map(String)], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split("\n").pop());
};

const lscpu = (() => {
  try {
    return execFileSync("lscpu", { encoding: "utf8" });
  } catch {
    return "";
  }
})();
const cpu = /Model name:\s*(.*)/.exec(lscpu)?.[1] ?? "unknown CPU";
log(
  `${name}: ${(flopsPerImage(config, size).total / 1e9).toFixed(2)} GFLOP/image, ${runs} timed runs after 2 warm-ups; ${cpu}, node ${process.version}`,
);

// One job per configuration, each in its own process. The systems compared at one thread count and batch
// run back to back, and with --rounds N the whole list runs N times over: a row then reports the median of
// its rounds' medians (and the least minimum). The host's load drifts over minutes; interleaving keeps a
// ratio from comparing two different moments.
const peers = flag("peers") ? ["onnxruntime-web", "onnxruntime-node"] : [];
if (peers.length && config.model_type === "convnextv2") {
  log("  --peers: the ONNX export covers ConvNeXT V1 only; skipping peers for this model");
  peers.length = 0;
}
if (peers.length) ensurePeers();
const dirs = Object.fromEntries(dtypes.map((d) => [d, dtypeDir(dir, d)]));
const PEER_DTYPES = ["f32", "int8"]; // onnxruntime's CPU and wasm kernels for float32 and int8 graphs
const onnx = Object.fromEntries(peers.length ? dtypes.filter((d) => PEER_DTYPES.includes(d)).map((d) => [d, onnxFile(dirs[d], size)]) : []); // prettier-ignore
const oursJob =
  (backend, threads, batch, dtype = "f32") =>
  () => {
    // wasm-relaxed: the wasm backend with relaxed SIMD (fused multiply-add) switched on in Node 20
    const relaxed = backend === "wasm-relaxed";
    const nodeFlags = relaxed ? ["--experimental-wasm-relaxed-simd"] : [];
    const r = child("ours.mjs", [dirs[dtype], relaxed ? "wasm" : backend, threads, batch, runs, dtype], nodeFlags);
    if (relaxed && r.backend !== "wasm-relaxed") throw new Error("this Node has no relaxed SIMD");
    return r;
  };
const peerJob = (name, threads, batch, dtype) => () => {
  const r = child("peer.mjs", [name, onnx[dtype], threads, batch, runs, size, dtype]);
  r.gflops = flopsPerImage(config, size).total / 1e6 / r.ms_per_image_median;
  return r;
};
const jobs = [];
for (const threads of threadCounts) {
  for (const batch of batches) {
    for (const dtype of dtypes) {
      for (const backend of backends.filter((b) => b !== "js")) jobs.push(oursJob(backend, threads, batch, dtype));
      if (onnx[dtype]) for (const name of peers) jobs.push(peerJob(name, threads, batch, dtype));
    }
  }
  if (backends.includes("js")) for (const batch of jsBatches) jobs.push(oursJob("js", threads, batch));
}
const rounds = Number(opt("rounds", "1"));
const byJob = jobs.map(() => []);
for (let round = 0; round < rounds; round++) {
  jobs.forEach((job, i) => {
    const r = job();
    byJob[i].push(r);
    log(`  ${r.system} ${r.backend} ${r.dtype} ${r.threads}t b${r.batch}: ${r.ms_per_image_median.toFixed(1)} ms/img`);
  });
}
const results = byJob.map((rs) => {
  const r = medianOfRounds(rs);
  return { ...r, gflops: flopsPerImage(config, size).total / 1e6 / r.ms_per_image_median };
});

const rows = results.map((r) => ({
  ...resultRow(r),
  ...(r.breakdown_ms_per_image
    ? { breakdown_ms_per_image: round(r.breakdown_ms_per_image), op_gflops: round(r.op_gflops) }
    : {}),
}));
function round(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, +v.toFixed(2)]));
}

for (const w of logitsWarnings(results, dtypes)) log(`  ${w}`);

if (json) {
  console.log(
    JSON.stringify(
      {
        model: name,
        gflop_per_image: flopsPerImage(config, size).total / 1e9,
        cpu,
        node: process.version,
        date: new Date().toISOString(),
        results: rows,
      },
      null,
      1,
    ),
  );
} else {
  console.log(`\n${resultTable(rows)}`);
  const ourRows = rows.filter((r) => r.breakdown_ms_per_image);
  if (ourRows.length) {
    const ops = Object.keys(ourRows[0].breakdown_ms_per_image);
    console.log(
      `\nPer-op ms/image (GFLOP/s), one profiled pass:\n\n| config | ${ops.join(" | ")} |\n|---|${ops.map(() => "---").join("|")}|`,
    );
    for (const r of ourRows) {
      const cells = ops.map(
        (o) => `${r.breakdown_ms_per_image[o] ?? "-"}${r.op_gflops?.[o] ? ` (${r.op_gflops[o]})` : ""}`,
      );
      console.log(`| ${r.backend} ${r.dtype} ${r.threads}t b${r.batch} | ${cells.join(" | ")} |`);
    }
  }
  // our wasm row at the same threads, batch and dtype (the relaxed-SIMD build where the engine picked it)
  const oursLike = (p, dtype = p.dtype) => {
    const same = (r) => r.breakdown_ms_per_image && r.threads === p.threads && r.batch === p.batch && r.dtype === dtype;
    return (
      rows.find((r) => same(r) && r.backend === "wasm") ?? rows.find((r) => same(r) && r.backend === "wasm-relaxed")
    );
  };
  const dtypeRows = rows.filter((r) => r.breakdown_ms_per_image && r.dtype !== "f32" && r.backend !== "js");
  if (dtypeRows.length) {
    console.log("\nOur time per dtype / our float32 time (same backend, threads, batch; < 1 means faster):\n");
    for (const r of dtypeRows) {
      const f = rows.find((o) => o.breakdown_ms_per_image && o.dtype === "f32" && o.backend === r.backend && o.threads === r.threads && o.batch === r.batch); // prettier-ignore
      if (f) console.log(`- ${r.dtype}, ${r.backend}, ${r.threads} thread(s), batch ${r.batch}: ${(r.ms_per_image_median / f.ms_per_image_median).toFixed(2)}x (peak RSS ${r.peak_rss_mb} vs ${f.peak_rss_mb} MB: ${(r.peak_rss_mb / f.peak_rss_mb).toFixed(2)}x)`); // prettier-ignore
    }
  }
  const peerRows = rows.filter((r) => !r.breakdown_ms_per_image);
  if (peerRows.length) {
    console.log("\nRatios (peer ms/img median / ours in the same dtype, wasm kernels; > 1 means we are faster):\n");
    for (const p of peerRows) {
      const o = oursLike(p);
      if (!o) continue;
      console.log(`- ${p.system} ${p.dtype}, ${p.threads} thread(s), batch ${p.batch}: ${ratioText(p, o)}`);
    }
  }
  if (rounds > 1) {
    console.log("\nMedian ms/img of each round:\n");
    for (const r of rows)
      console.log(`- ${r.system} ${r.backend} ${r.dtype} ${r.threads}t b${r.batch}: ${r.rounds_ms_per_image_median.join(" / ")}`); // prettier-ignore
  }
}
process.exit(0);
