// The tiny-classifier fixture as a hub repository for the fake hub (test/helpers/fake-hub.ts): config.json and
// preprocessor_config.json as plain git files, the weights as an LFS file, branch main and tag v1 at COMMIT.
import { readFileSync } from "node:fs";
import type { HubRepo } from "./fake-hub.js";
import { fixture } from "./helpers.js";

export const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const read = (name: string) => new Uint8Array(readFileSync(fixture("tiny-classifier", name)));
export const CONFIG = read("config.json");
export const WEIGHTS = read("model.safetensors");
export const PREPROCESSOR = read("preprocessor_config.json");

export function tinyRepo(extra: Partial<HubRepo> = {}): HubRepo {
  return {
    commit: COMMIT,
    refs: { main: COMMIT, v1: COMMIT },
    files: {
      "config.json": { bytes: CONFIG, lfs: false },
      "preprocessor_config.json": { bytes: PREPROCESSOR, lfs: false },
      "model.safetensors": { bytes: WEIGHTS, lfs: true },
    },
    ...extra,
  };
}
