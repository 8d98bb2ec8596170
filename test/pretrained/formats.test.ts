// Every checkpoint directory in test/fixtures/formats (the same weights in every format the hub carries:
// pytorch_model.bin zip / legacy / OrderedDict, sharded .bin and safetensors, tf_model.h5 in Keras >= 2.7
// and <= 2.6 layouts, TF-named safetensors) loads to exactly the parent fixture's weights, and the model
// built from it reproduces the parent's expected.safetensors (real transformers 4.37.2 outputs).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readCheckpoint } from "../../src/pretrained/checkpoint.js";
import { directoryFiles } from "../../src/node/local-files.js";
import { checkpointTensors } from "../../src/pretrained/models.js";
import { fixture, readTensors } from "../helpers/helpers.js";
import { expectParity, runFixture } from "../helpers/parity.js";

const FORMATS = fixture("formats");

interface FormatDir {
  fixture: string;
  dir: string;
  label: string;
}

/** `<fixture>/` and each `<fixture>/<variant>/` that holds a config.json. */
function formatDirs(): FormatDir[] {
  const out: FormatDir[] = [];
  for (const name of readdirSync(FORMATS).sort()) {
    const root = join(FORMATS, name);
    if (name === "malicious" || !statSync(root).isDirectory()) continue;
    out.push({ fixture: name, dir: root, label: `${name}/` });
    for (const sub of readdirSync(root).sort()) {
      const dir = join(root, sub);
      if (statSync(dir).isDirectory()) out.push({ fixture: name, dir, label: `${name}/${sub}/` });
    }
  }
  return out;
}

const dirs = formatDirs();

test("the fixture set is complete (13 checkpoint directories, one per format and fixture)", () => {
  expect(dirs.map((d) => d.label)).toEqual([
    "backbone-stem-s2-s4/",
    "backbone-stem-s2-s4/sharded-safetensors/",
    "three-stage-patch2/",
    "three-stage-patch2/legacy-bin/",
    "three-stage-patch2/ordereddict-bin/",
    "three-stage-patch2/tf/",
    "three-stage-patch2/tf-keras26/",
    "tiny-classifier/",
    "tiny-classifier/sharded-bin/",
    "tiny-classifier/sharded-safetensors/",
    "tiny-classifier/tf/",
    "tiny-classifier/tf-base/",
    "tiny-classifier/tf-safetensors/",
  ]);
});

describe.each(dirs)("$label", ({ fixture: name, dir }) => {
  const expectedFormat = (() => {
    const files = readdirSync(dir);
    if (files.includes("model.safetensors")) return "safetensors";
    if (files.includes("model.safetensors.index.json")) return "safetensors (sharded)";
    if (files.includes("pytorch_model.bin")) return "pytorch_model.bin";
    if (files.includes("pytorch_model.bin.index.json")) return "pytorch_model.bin (sharded)";
    return "tf_model.h5";
  })();

  test(`reads as ${expectedFormat}, with exactly the parent's weights (bit for bit, PyTorch names and layouts)`, async () => {
    const checkpoint = await readCheckpoint(directoryFiles(dir));
    expect(checkpoint.format).toBe(expectedFormat);
    const tensors = checkpointTensors(checkpoint);
    const parent = readTensors(fixture(name, "model.safetensors"));
    // TFConvNextModel (tf-base) has no classifier; every other directory holds the full state dict.
    const expectedKeys = [...parent.keys()].filter((k) => !(dir.endsWith("tf-base") && k.startsWith("classifier.")));
    expect([...tensors.keys()].sort()).toEqual(expectedKeys.sort());
    for (const key of expectedKeys) {
      const a = tensors.get(key)!;
      const e = parent.get(key)!;
      expect(a.shape, key).toEqual(e.shape);
      expect(
        Buffer.compare(
          Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
          Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength),
        ),
        key,
      ).toBe(0);
    }
  });

  test("the model reproduces the parent's expected.safetensors (max|a-e| <= 1e-5 + 1e-5*max|e|)", async () => {
    // TFConvNextModel (tf-base) is a base model: every output but the classifier's.
    const baseOnly = dir.endsWith("tf-base");
    expectParity(name, await runFixture(name, dir), (key) => !(baseOnly && (key === "logits" || key === "loss")));
  });
});
