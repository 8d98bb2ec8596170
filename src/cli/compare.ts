// `convnext compare`: per-tensor parity of two safetensors files with the project's tolerance rule,
// max|a - e| <= atol + rtol * max|e|; exit code 1 if any tensor fails or is missing.

import { readBytes } from "../node/files.js";
import { parseSafetensors, rawToTensor } from "../io/safetensors.js";
import { formatShape } from "../tensor/tensor.js";
import { CliError, parseCommandLine, type Command } from "./command.js";

const help = `usage: convnext compare ACTUAL.safetensors EXPECTED.safetensors [--atol 1e-5] [--rtol 1e-5] [--names a,b]

Compares every tensor of EXPECTED (or only --names; inputs pixel_values/labels that ACTUAL lacks
are skipped) with the same-named tensor of ACTUAL:
a tensor passes when max|actual - expected| <= atol + rtol * max|expected|. Prints one line per
tensor and the worst ratio; exits 1 if any tensor fails or is missing. 0-d and [1] tensors (loss)
compare equal in shape.`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    { atol: { type: "string", default: "1e-5" }, rtol: { type: "string", default: "1e-5" }, names: { type: "string" } },
    true,
  );
  if (positionals.length !== 2) throw new CliError("expected two files: ACTUAL EXPECTED");
  const atol = Number(values.atol);
  const rtol = Number(values.rtol);
  if (!(atol >= 0) || !(rtol >= 0)) throw new CliError("--atol and --rtol must be non-negative numbers");
  const [actualPath, expectedPath] = positionals;
  const actual = parseSafetensors(await readBytes(actualPath), actualPath).tensors;
  const expected = parseSafetensors(await readBytes(expectedPath), expectedPath).tensors;
  // By default every tensor of EXPECTED, except the model inputs an HF reference file carries along.
  const inputs = new Set(["pixel_values", "labels"]);
  const names = values.names
    ? values.names.split(",")
    : [...expected.keys()].filter((name) => !(inputs.has(name) && !actual.has(name)));

  let failed = 0;
  let worst = { name: "", ratio: 0 };
  for (const name of names) {
    const e = expected.get(name);
    const a = actual.get(name);
    if (!e || !a) {
      console.log(`MISSING ${name} (not in ${!e ? expectedPath : actualPath})`);
      failed++;
      continue;
    }
    const et = rawToTensor(e);
    const at = rawToTensor(a);
    if (et.size !== at.size) {
      console.log(`FAIL ${name}: shape ${formatShape(at.shape)} vs expected ${formatShape(et.shape)}`);
      failed++;
      continue;
    }
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < et.size; i++) {
      const d = Math.abs(at.data[i] - et.data[i]);
      maxDiff = d > maxDiff || Number.isNaN(d) ? d : maxDiff;
      maxAbs = Math.max(maxAbs, Math.abs(et.data[i]));
    }
    const tol = atol + rtol * maxAbs;
    const ratio = maxDiff / tol;
    const ok = ratio <= 1;
    if (!ok) failed++;
    if (!(ratio <= worst.ratio) || worst.name === "") worst = { name, ratio };
    console.log(
      `${ok ? "ok  " : "FAIL"} ${name} ${formatShape(et.shape)} max|diff|=${maxDiff.toExponential(3)} ` +
        `max|expected|=${maxAbs.toExponential(3)} tol=${tol.toExponential(2)} (${ratio.toFixed(3)} x tol)`,
    );
  }
  console.log(
    `${failed === 0 ? "PASS" : "FAIL"}: ${names.length - failed}/${names.length} tensors within tolerance; ` +
      `worst ${worst.name} at ${worst.ratio.toFixed(3)} x tolerance`,
  );
  return failed === 0 ? 0 : 1;
}

const command: Command = { help, run };
export default command;
