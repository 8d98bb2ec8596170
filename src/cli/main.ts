#!/usr/bin/env node
// The `convnext` command: one module per subcommand, loaded only when that subcommand runs.

import "../node/setup.js";
import { CliError, type Command } from "./command.js";

const COMMANDS: Record<string, () => Promise<Command>> = {
  forward: async () => (await import("./forward.js")).default,
  preprocess: async () => (await import("./preprocess.js")).default,
  decode: async () => (await import("./decode.js")).default,
  classify: async () => (await import("./classify.js")).default,
  compare: async () => (await import("./compare.js")).default,
  convert: async () => (await import("./convert.js")).default,
  info: async () => (await import("./info.js")).default,
  grad: async () => (await import("./grad.js")).default,
  train: async () => (await import("./train.js")).default,
  explain: async () => (await import("./explain.js")).default,
};

function usage(): string {
  return [
    "usage: convnext <command> [options]",
    "",
    "commands:",
    ...Object.keys(COMMANDS).map((name) => `  ${name}`),
    "",
    "Run `convnext <command> --help` for the options of a command.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`convnext: unknown command "${name}"\n\n${usage()}`);
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
    if (process.env.CONVNEXT_DEBUG && err.stack) console.error(err.stack);
    return e instanceof CliError ? e.exitCode : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
