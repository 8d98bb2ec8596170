#!/usr/bin/env node
// The `convnext` command: one module per subcommand, loaded only when that subcommand runs.

import { readFileSync } from "node:fs";
import "../node/setup.js";
import { CliError, closest, type Command } from "./command.js";

const COMMANDS: Record<string, () => Promise<Command>> = {
  forward: async () => (await import("./forward.js")).default,
  preprocess: async () => (await import("./preprocess.js")).default,
  decode: async () => (await import("./decode.js")).default,
  classify: async () => (await import("./classify.js")).default,
  embed: async () => (await import("./embed.js")).default,
  compare: async () => (await import("./compare.js")).default,
  convert: async () => (await import("./convert.js")).default,
  info: async () => (await import("./info.js")).default,
  grad: async () => (await import("./grad.js")).default,
  train: async () => (await import("./train.js")).default,
  explain: async () => (await import("./explain.js")).default,
};

/** One line per command for the top-level help (a command missing here is listed without one). */
const SUMMARIES: Record<string, string> = {
  classify: "top-k labels for images, like the HF image-classification pipeline",
  embed: "one embedding per image, streamed to .npy, .safetensors or .jsonl",
  preprocess: "images -> the pixel_values ConvNextImageProcessor computes (.safetensors)",
  decode: "images -> the RGB arrays load_image gives (.npy)",
  forward: "pixel_values -> every model output under HF's names (.safetensors)",
  compare: "per-tensor parity of two .safetensors files",
  convert: "any checkpoint format -> a model.safetensors directory (float32, f16, bf16 or int8)",
  info: "architecture, parameters, FLOPs and files of a model",
  grad: "gradients of a loss or objective for every parameter, as PyTorch autograd (.safetensors)",
  train: "fine-tune a classifier on an image folder; writes a checkpoint transformers loads",
  explain: "Grad-CAM of a classifier's decision for an image (.png overlay, .npy map)",
};

function version(): string {
  // package.json is two levels up from both src/cli and dist/cli
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    "usage: convnext <command> [options]",
    "       convnext <command> --help",
    "",
    "ConvNeXT / ConvNeXT V2 checkpoints of the Hugging Face hub, in pure TypeScript, with the numbers of",
    "transformers v4.37.2 (PyTorch).",
    "",
    "commands:",
    ...Object.keys(COMMANDS).map((name) => `  ${name.padEnd(width)}${SUMMARIES[name] ?? ""}`.trimEnd()),
    "",
    "options:",
    "  --help, -h   this help",
    "  --version    the version",
    "",
    "--model REF is a model directory or a hub id org/name[@revision] (e.g. facebook/convnext-tiny-224),",
    "read through the Hugging Face cache (HF_HOME, HF_HUB_CACHE; HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE=1).",
    "CONVNEXT_BACKEND and CONVNEXT_THREADS set the kernels and threads (or --backend, --threads).",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? console.error : console.log)(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    console.log(version());
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    const guess = closest(name.replace(/^-+/, ""), Object.keys(COMMANDS));
    const hint = guess ? ` (did you mean "${guess}"?)` : "";
    console.error(`convnext: unknown ${name.startsWith("-") ? "option" : "command"} "${name}"${hint}\n\n${usage()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const err = e as Error;
    console.error(`convnext ${name}: error: ${err.message}`);
    if (e instanceof CliError && e.exitCode === 2) console.error(`(convnext ${name} --help lists the options)`);
    if (process.env.CONVNEXT_DEBUG && err.stack) console.error(err.stack);
    return e instanceof CliError ? e.exitCode : 1;
  }
}

// `convnext ... | head`: the reader went away; stop quietly, as Unix tools do
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
