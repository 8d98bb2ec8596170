// Setting up either benchmark (run.mjs in Node, browser.mjs in Chromium): their command-line options, the
// model a --model argument names, its directory of generated weights (tools/make_weights.mjs, written once
// into bench/out/NAME, git-ignored), the same weights in another dtype (bench/out/NAME-DTYPE, written by
// `convnext convert --dtype`), the same weights as ONNX for the peers, and the peers themselves
// (onnxruntime-node and -web: not dependencies of the project, installed the first time --peers asks).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

/** --name VALUE options and --flag switches of argv. */
export function benchOptions(argv) {
  const opt = (name, def) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : def;
  };
  const flag = (name) => argv.includes(`--${name}`);
  const list = (name, def) => opt(name, def).split(",").filter(Boolean);
  return { opt, flag, list };
}

const MODELS = {
  tiny: "convnext-tiny-224.json",
  base: "convnext-base-224.json",
  large: "convnext-large-224.json",
  atto: "convnextv2-atto-224.json",
};

/** --model tiny|base|large|atto|PATH/config.json -> { configFile, config, name, size } */
export function benchModel(arg) {
  const configFile = MODELS[arg] ? join(here, "configs", MODELS[arg]) : arg;
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  const name = MODELS[arg] ? MODELS[arg].replace(/\.json$/, "") : "custom";
  return { configFile, config, name, size: config.image_size ?? 224 };
}

/** bench/out/NAME with config.json and model.safetensors for `configFile` (regenerated when it changed). */
export function modelDir(configFile, name) {
  const dir = join(root, "bench", "out", name);
  mkdirSync(dir, { recursive: true });
  const config = readFileSync(configFile, "utf8");
  if (!existsSync(join(dir, "model.safetensors")) || readFileSync(join(dir, "config.json"), "utf8") !== config) {
    writeFileSync(join(dir, "config.json"), config);
    rmSync(join(dir, "model.onnx"), { force: true }); // exported from the old weights
    const makeWeights = join(root, "tools/make_weights.mjs");
    const argv = [makeWeights, "--config", join(dir, "config.json"), "--out", join(dir, "model.safetensors")];
    execFileSync(process.execPath, argv, { stdio: "inherit" });
  }
  return dir;
}

/** The onnxruntime versions the peers are measured at (README and RESULTS quote them). */
export const PEERS = { "onnxruntime-node": "1.30.0", "onnxruntime-web": "1.30.0" };

/**
 * Installs the peers into node_modules unless they are there (npm install --no-save: package.json and the
 * lockfile stay as they are, and the next `npm ci` removes them). onnxruntime-node would also download CUDA
 * binaries at install time; its CPU binaries ship in the package, so that step is skipped.
 */
export function ensurePeers() {
  const missing = Object.entries(PEERS).filter(([name, version]) => {
    try {
      return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version !== version;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const specs = missing.map(([name, version]) => `${name}@${version}`);
  console.error(`--peers: installing ${specs.join(", ")} (npm install --no-save)`);
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", ...specs], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" },
  });
}

/** DIR/model.onnx: the model in DIR exported by bench/onnx-export.mjs (again when DIR's weights changed). */
export function onnxFile(dir, size) {
  const onnx = join(dir, "model.onnx");
  if (!existsSync(onnx) || statSync(onnx).mtimeMs < statSync(join(dir, "model.safetensors")).mtimeMs) {
    execFileSync(process.execPath, [join(here, "onnx-export.mjs"), dir, onnx, String(size)], { stdio: "inherit" });
  }
  return onnx;
}

/** DIR-DTYPE: the model in DIR converted by `convnext convert --dtype DTYPE` (again when DIR's weights changed). */
export function dtypeDir(dir, dtype) {
  if (dtype === "f32") return dir;
  const out = `${dir}-${dtype}`;
  const source = join(dir, "model.safetensors");
  const target = join(out, "model.safetensors");
  if (!existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs) {
    const cli = join(root, "dist/cli/main.js");
    const argv = [cli, "convert", "--model", dir, "--output", out, "--dtype", dtype, "--overwrite"];
    execFileSync(process.execPath, argv, { stdio: "inherit" });
  }
  return out;
}
