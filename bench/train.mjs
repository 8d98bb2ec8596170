// `npm run bench -- --train [options]`: one training step (forward keeping the tape, backward, AdamW) of
// convnext-tiny-224 at batch 8 on 1 and 2 threads, in ms per image with peak RSS, beside this engine's
// inference forward on the same batch and the same step in PyTorch CPU (transformers v4.37.2's model, when
// Debian's python3-torch and transformers' source are there: HF_SRC=<dir holding transformers/>).
// Each configuration runs in its own process; with --rounds N the list runs N times over (medians).
//   --model tiny|base|large|atto|PATH/config.json  --batches 8  --threads 1,2  --runs 3  --rounds 1  --no-torch  --profile
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchModel, benchOptions, modelDir } from "./setup.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { opt, flag, list } = benchOptions(process.argv.slice(2));
const { configFile, name } = benchModel(opt("model", "tiny"));
const runs = opt("runs", "3");
const rounds = Number(opt("rounds", "1"));
const batches = list("batches", "8").map(Number);
const threadCounts = list("threads", "1,2").map(Number);
const dir = modelDir(configFile, name);
const hfSrc = process.env.HF_SRC ?? "/tmp/hf4372/src";
const python = "/usr/bin/python3";
const torch = !flag("no-torch") && existsSync(python) && existsSync(join(hfSrc, "transformers"));
if (!flag("no-torch") && !torch)
  console.log(`(PyTorch skipped: needs ${python} with torch and HF_SRC=${hfSrc}/transformers)`);

const json = (out) => JSON.parse(out.trim().split("\n").pop());
const ours = (threads, batch) =>
  json(execFileSync(process.execPath, [join(here, "train-step.mjs"), dir, "wasm", threads, batch, runs, ...(flag("profile") ? ["--profile"] : [])], { encoding: "utf8", maxBuffer: 1 << 24 })); // prettier-ignore
const pytorch = (threads, batch) =>
  json(
    execFileSync(python, [join(here, "train-torch.py"), dir, threads, batch, runs], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: `${hfSrc}:${join(here, "../tools/hf-check/stubs")}` },
    }),
  );

const rows = [];
for (let round = 0; round < rounds; round++) {
  for (const threads of threadCounts) {
    for (const batch of batches) {
      const o = ours(threads, batch);
      const t = torch ? pytorch(threads, batch) : null;
      rows.push({ o, t });
      const tText = t ? `; PyTorch step ${t.step_ms_per_image.toFixed(1)} ms/img (ours / PyTorch ${(o.step_ms_per_image / t.step_ms_per_image).toFixed(2)}x)` : ""; // prettier-ignore
      console.log(`${threads}t b${batch}: step ${o.step_ms_per_image.toFixed(1)} ms/img, forward ${o.forward_ms_per_image.toFixed(1)} ms/img (step / forward ${o.step_over_forward.toFixed(2)}x), peak RSS ${o.peak_rss_mb.toFixed(0)} MB${tText}`); // prettier-ignore
      if (o.breakdown_ms_per_image) console.log(`  per-kernel ms/img: ${JSON.stringify(o.breakdown_ms_per_image)}`);
    }
  }
}
console.log("\n| system | threads | batch | step ms/img | forward ms/img | step / forward | peak RSS MB |\n|---|---|---|---|---|---|---|"); // prettier-ignore
for (const { o, t } of rows) {
  for (const r of t ? [o, t] : [o]) {
    console.log(`| ${r.system} ${r.backend} | ${r.threads} | ${r.batch} | ${r.step_ms_per_image.toFixed(1)} | ${r.forward_ms_per_image.toFixed(1)} | ${r.step_over_forward.toFixed(2)} | ${r.peak_rss_mb.toFixed(0)} |`); // prettier-ignore
  }
}
process.exit(0);
