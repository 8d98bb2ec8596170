#!/usr/bin/env node
// The fuzzer: `npm run fuzz -- --target png|jpeg|bmp|gif|safetensors|pickle|zip|h5|config|preprocessor|all --cases N
// [--seed S] [--from K] [--timeout MS] [--memory MB] [--findings DIR]`, or `--replay FILE --target T` for one input.
// Cases run in a child process (tools/fuzz/worker.mjs) one after another; a case is a finding when it crashes the
// child, throws something other than a clear error naming the file (see worker.mjs judgeError), runs longer than
// the timeout (default 5 s) or takes the child's resident memory over the budget (default 1 GB). The child is then
// killed and restarted, and the input is written to the findings directory. Exit code 1 when there are findings.
// Runs the built library (dist/): `npm run build` first after changing src/.

import { fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { caseRng, makeInput } from "./mutate.mjs";
import { TARGETS } from "./targets.mjs";
import { runOne } from "./worker.mjs";

const { values } = parseArgs({
  options: {
    target: { type: "string" },
    cases: { type: "string", default: "1000" },
    from: { type: "string", default: "0" },
    seed: { type: "string" },
    timeout: { type: "string", default: "5000" },
    memory: { type: "string", default: "1024" },
    findings: { type: "string", default: "fuzz-findings" },
    replay: { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});

const names = values.target === "all" ? Object.keys(TARGETS) : [values.target];
if (!values.target || names.some((n) => !TARGETS[n])) {
  console.error(`fuzz: --target must be one of ${Object.keys(TARGETS).join(", ")}, all`);
  process.exit(2);
}

if (values.replay) {
  // One input, in this process: prints the outcome (for debugging a finding).
  const target = TARGETS[names[0]];
  const bytes = new Uint8Array(readFileSync(values.replay));
  const started = performance.now();
  const result = await runOne(target, bytes, values.replay, target.seeds()[0]);
  console.log(JSON.stringify({ ...result, ms: Math.round(performance.now() - started) }));
  process.exit(result.outcome === "finding" ? 1 : 0);
}

// Cases [from, from + cases) of the seed's sequence: shards of one run can go to several processes.
const from = Number(values.from);
const cases = from + Number(values.cases);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const timeoutMs = Number(values.timeout);
const budgetKb = Number(values.memory) * 1024;
const WORKER = fileURLToPath(new URL("./worker.mjs", import.meta.url));

function residentKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function fuzzTarget(name) {
  const target = TARGETS[name];
  const seeds = target.seeds();
  const findings = [];
  const started = Date.now();
  let errors = 0;
  let maxPeakKb = 0;
  let slowest = 0;
  let notReproduced = 0;

  const record = async (index, reason) => {
    const input = makeInput(caseRng(seed, index), seeds, target);
    const bytes = target.finish ? await target.finish(input.seed, input.bytes) : input.bytes;
    mkdirSync(values.findings, { recursive: true });
    const file = join(values.findings, `${name}-${seed}-${index}.${target.ext}`);
    writeFileSync(file, bytes);
    writeFileSync(`${file}.txt`, `${reason}\nseed file: ${input.seed.path}\n`);
    findings.push({ index, reason, file });
    console.log(`FINDING ${name} case ${index}: ${reason.split("\n")[0].slice(0, 300)} -> ${file}`);
  };

  /**
   * Runs cases [from, to) in one child until they are done or one of them kills it; resolves to the case that
   * did and why ({} when all answered). Answered findings are recorded on the way.
   */
  const runChild = (from, to, limitMs = timeoutMs) =>
    new Promise((resolve) => {
      const child = fork(WORKER, [], {
        env: { ...process.env, FUZZ_TARGET: name, FUZZ_SEED: String(seed) },
        execArgv: [`--max-old-space-size=${Math.ceil((budgetKb / 1024) * 1.5)}`],
        stdio: ["ignore", "ignore", "pipe", "ipc"],
      });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
      let current = from - 1;
      let timer;
      let done = false;
      const finish = (reason) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(watch);
        child.kill("SIGKILL");
        resolve(reason ? { index: current, reason } : {});
      };
      const send = () => {
        if (++current >= to) return finish(null);
        clearTimeout(timer);
        timer = setTimeout(() => finish(`hang: no answer within ${limitMs} ms`), limitMs);
        child.send({ index: current });
      };
      const watch = setInterval(() => {
        const kb = residentKb(child.pid);
        if (kb > budgetKb) finish(`memory over budget: resident ${Math.round(kb / 1024)} MB`);
      }, 50);
      child.on("message", async (m) => {
        if (m.ready) return send();
        if (m.crash) return finish(m.crash);
        if (m.index !== current) return;
        maxPeakKb = Math.max(maxPeakKb, m.peakKb);
        slowest = Math.max(slowest, m.ms);
        if (m.outcome === "error") errors++;
        if (m.outcome === "finding") await record(m.index, m.reason);
        else if (m.peakKb > budgetKb) await record(m.index, `memory over budget: peak ${Math.round(m.peakKb / 1024)} MB`);
        if (!values.quiet && (current + 1) % 10000 === 0)
          console.log(`${name}: ${current + 1}/${cases} cases, ${findings.length} findings, ${Math.round((Date.now() - started) / 1000)} s`);
        send();
      });
      child.on("exit", (code, signal) => {
        if (!done) finish(`crash: the child exited (code ${code}, signal ${signal}) ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
      });
    });

  let next = from;
  while (next < cases) {
    const stopped = await runChild(next, cases);
    if (stopped.reason === undefined) break;
    // A hang or memory overrun is run again alone, in a fresh child, with the rule's 20 s (4x the timeout): on a
    // busy machine a case of a second can be starved of CPU past 5 s. Only a repeat is a finding; a crash always is.
    if (/^(hang|memory)/.test(stopped.reason)) {
      const again = await runChild(stopped.index, stopped.index + 1, 4 * timeoutMs);
      if (again.reason === undefined) {
        notReproduced++;
        console.log(`${name} case ${stopped.index}: ${stopped.reason}, not reproduced when run alone`);
      } else await record(stopped.index, again.reason);
    } else await record(stopped.index, stopped.reason);
    next = stopped.index + 1;
  }
  const seconds = (Date.now() - started) / 1000;
  const summary = { target: name, seed, ...(from ? { from } : {}), cases: cases - from, seconds: Math.round(seconds), errors, ok: cases - from - errors - findings.length, findings: findings.length, notReproduced, maxPeakMb: Math.round(maxPeakKb / 1024), slowestMs: Math.round(slowest) };
  console.log(JSON.stringify(summary));
  return findings.length;
}

let total = 0;
for (const name of names) total += await fuzzTarget(name);
process.exit(total > 0 ? 1 : 0);
