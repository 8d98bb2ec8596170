// `node bench/timm-cli.mjs [--runs 5] [--batch 1] [--threads 1,2]`: the full-size timm models convnext_atto and
// convnextv2_atto (timm-layout weights from tools/make_timm_weights.mjs, written once into bench/out/timm-*)
// through the real CLI: `convnext forward` on a 224 x 224 input and `convnext classify` on a photo, each a fresh
// process (Node start, loading, preprocessing and the forward pass included). Prints the median wall time and
// the peak RSS per command; CONVNEXT_THREADS sets the threads.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchOptions } from "./setup.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const cli = join(root, "dist", "cli", "main.js");

if (process.argv[2] === "--child") {
  // one CLI run, reporting its own peak RSS at exit
  process.on("exit", () => process.stderr.write(`\nmaxRSS ${process.resourceUsage().maxRSS}\n`));
  process.argv = [process.argv[0], cli, ...process.argv.slice(3)];
  await import(cli);
} else {
  const { opt, list } = benchOptions(process.argv.slice(2));
  const runs = Number(opt("runs", "5"));
  const batch = Number(opt("batch", "1"));
  const threads = list("threads", "1,2");
  const out = join(root, "bench", "out");
  mkdirSync(out, { recursive: true });
  const { serializeSafetensors, Tensor } = await import(join(root, "dist", "core.js"));
  const input = join(out, `timm-input-${batch}.safetensors`);
  const pixels = Float32Array.from({ length: batch * 3 * 224 * 224 }, (_, i) => Math.sin(i) * 2);
  writeFileSync(input, serializeSafetensors([["pixel_values", new Tensor(pixels, [batch, 3, 224, 224])]]));
  const photo = join(root, "examples", "cats.png");
  console.log(`| model | command | threads | median wall (s) | peak RSS (MB) |\n|---|---|---|---|---|`);
  for (const arch of ["convnext_atto", "convnextv2_atto"]) {
    const dir = join(out, `timm-${arch}`);
    if (!existsSync(join(dir, "model.safetensors"))) {
      execFileSync(process.execPath, [join(root, "tools", "make_timm_weights.mjs"), "--arch", arch, "--out", dir]);
    }
    const commands = {
      [`forward (batch ${batch})`]: [
        "forward",
        "--model",
        dir,
        "--input",
        input,
        "--output",
        join(out, "timm-out.safetensors"),
      ],
      classify: ["classify", "--model", dir, photo],
    };
    for (const t of threads) {
      for (const [label, argv] of Object.entries(commands)) {
        const times = [];
        let rss = 0;
        for (let r = 0; r < runs; r++) {
          const start = process.hrtime.bigint();
          const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", ...argv], {
            encoding: "utf8",
            env: { ...process.env, CONVNEXT_THREADS: t },
          });
          times.push(Number(process.hrtime.bigint() - start) / 1e9);
          if (p.status !== 0) throw new Error(`${argv.join(" ")}: ${p.stderr}`);
          rss = Math.max(rss, Number(/maxRSS (\d+)/.exec(p.stderr)[1]) / 1024);
        }
        times.sort((a, b) => a - b);
        console.log(`| ${arch} | ${label} | ${t} | ${times[runs >> 1].toFixed(2)} | ${rss.toFixed(0)} |`);
      }
    }
  }
}
