// timm checkpoints: every output of every timm fixture (the real timm's logits, forward_features, pre_logits and
// features_only maps) within max|a - e| <= 1e-5 + 1e-5 max|e|, on every backend; and the loading rules.
import { afterAll, describe, expect, it } from "vitest";
import { configureBackend, disposeBackends, getExecutor, loadPretrained, memoryFiles } from "../../src/index.js";
import type { ConvNextPreTrainedModel } from "../../src/model/pretrained-model.js";
import { expectParity, runTimmFixture, TIMM_FIXTURES } from "../helpers/parity.js";
import { fixture, readTensors } from "../helpers/helpers.js";
import { readFileSync } from "node:fs";

const CONFIGS = [
  { backend: "reference", threads: 1 },
  { backend: "js", threads: 1 },
  { backend: "js", threads: 2 },
  { backend: "wasm", threads: 1 },
  { backend: "wasm", threads: 2 },
] as const;

afterAll(() => {
  configureBackend({ backend: "auto", threads: 0 });
  disposeBackends();
});

describe.each(CONFIGS)("timm fixtures, backend $backend, $threads thread(s)", ({ backend, threads }) => {
  it.each(TIMM_FIXTURES)("%s matches timm", async (name) => {
    configureBackend({ backend, threads });
    const worst = expectParity(name, await runTimmFixture(name));
    console.log(`${backend}/${threads}: ${name}: worst ${worst.key} at ${worst.ratio.toFixed(3)} x tolerance`);
  });
});
