// One fuzz child: runs the cases the parent sends, one after another, and answers each with its outcome and the
// peak resident memory it reached (VmHWM, reset before every case through /proc/self/clear_refs). A case that
// hangs, crashes or runs out of memory never answers: the parent sees that and blames that case.

import { readFileSync, writeFileSync } from "node:fs";
import { caseRng, makeInput } from "./mutate.mjs";
import { TARGETS } from "./targets.mjs";

const BUILTIN_ERRORS = ["TypeError", "RangeError", "ReferenceError", "SyntaxError", "EvalError", "URIError", "AggregateError", "InternalError"];
const MAX_MESSAGE = 16_000;

function peakKb() {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}
function resetPeak() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // not Linux: peaks are then per process, still an upper bound
  }
}

/** Why an error is a finding, or null when it is the clear error the rule asks for. */
export function judgeError(e, source) {
  if (!(e instanceof Error)) return `threw a non-Error value: ${String(e).slice(0, 200)}`;
  if (BUILTIN_ERRORS.includes(e.name) || BUILTIN_ERRORS.includes(e.constructor?.name))
    return `a generic JavaScript ${e.name} escaped: ${e.message.slice(0, 300)}`;
  if (!e.message.includes(source)) return `the error does not name the file: ${e.message.slice(0, 300)}`;
  if (/\n\s+at .+:\d+:\d+/.test(e.message)) return "the message holds a stack trace";
  if (e.message.length > MAX_MESSAGE) return `the message is ${e.message.length} characters long`;
  return null;
}

/** Runs one input through a target; the outcome the parent records. */
export async function runOne(target, bytes, source, seed) {
  try {
    await target.run(bytes, source, seed);
    return { outcome: "ok" };
  } catch (e) {
    const finding = judgeError(e, source);
    return finding ? { outcome: "finding", reason: finding } : { outcome: "error", message: e.message.slice(0, 300) };
  }
}

if (process.send) {
  const name = process.env.FUZZ_TARGET;
  const seed = Number(process.env.FUZZ_SEED);
  const target = TARGETS[name];
  const seeds = target.seeds();
  process.on("uncaughtException", (e) => {
    process.send({ crash: `uncaught exception: ${e?.stack ?? e}` });
    process.exit(70);
  });
  process.on("unhandledRejection", (e) => {
    process.send({ crash: `unhandled rejection: ${e?.stack ?? e}` });
    process.exit(70);
  });
  process.on("message", async ({ index }) => {
    const r = caseRng(seed, index);
    const input = makeInput(r, seeds, target);
    const bytes = target.finish ? await target.finish(input.seed, input.bytes) : input.bytes;
    const source = `fuzz/${name}/${seed}-${index}.${target.ext}`;
    resetPeak();
    const started = performance.now();
    const result = await runOne(target, bytes, source, input.seed);
    process.send({ index, ...result, ms: performance.now() - started, peakKb: peakKb(), seedPath: input.seed.path });
  });
  process.send({ ready: true });
}
