// Running the model fixtures (outputs of the real transformers v4.37.2) and the parity assertion:
// max|a - e| <= 1e-5 + 1e-5 * max|e| per tensor.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { loadPretrained } from "../../src/index.js";
import type { ModelFiles } from "../../src/pretrained/model-files.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { fixture, readTensors, relativeToMax, toleranceRatio } from "./helpers.js";

export const MODEL_FIXTURES = [
  "tiny-classifier",
  "three-stage-patch2",
  "backbone-stem-s2-s4",
  "v2-tiny-classifier",
  "v2-backbone",
];

/** Fixtures made by the real timm (shared/ with v1.0.28, tools/timm_fixtures.py with v1.0.29). */
export const TIMM_FIXTURES = [
  "timm-convnext-tiny-custom",
  "timm-convnext-convmlp",
  "timm-convnextv2-grn",
  "timm-convnext-features",
  "timm-overlap-hnf",
  "timm-zepto-rms-ols",
  "timm-mlp-head-k5-nobias",
  "timm-v2-ls-rms-silu",
  "timm-test-convnext3",
];

/** The features_only out_indices a timm fixture's feature_maps.<i> were made with, or null. */
export function timmOutIndices(name: string): number[] | null {
  const recipe = JSON.parse(readFileSync(fixture(name, "fixture.json"), "utf8"));
  return recipe.out_indices ?? recipe.spec?.out_indices ?? null;
}

/** logits, features, pre_logits of the classifier and, when the fixture has them, the features_only maps. */
export async function runTimmFixture(
  name: string,
  dir: string | ModelFiles = fixture(name),
): Promise<Map<string, Tensor>> {
  // prettier-ignore
  const pixelValues = readTensors(fixture(name, "expected.safetensors")).get("pixel_values")!;
  const out = (await loadPretrained(dir)).forwardNamed(pixelValues);
  const outIndices = timmOutIndices(name);
  if (outIndices) {
    const backbone = await loadPretrained(dir, { outIndices, onWarning: () => {} });
    for (const [k, v] of backbone.forwardNamed(pixelValues)) out.set(k, v);
  }
  return out;
}

/** Runs a model on the fixture's pixel_values (and labels) and returns every output under HF's names. */
export async function runFixture(name: string, dir: string | ModelFiles = fixture(name)): Promise<Map<string, Tensor>> {
  const expected = readTensors(fixture(name, "expected.safetensors"));
  const model = await loadPretrained(dir, { onWarning: () => {} });
  const labels = expected.get("labels");
  return model.forwardNamed(expected.get("pixel_values")!, {
    outputHiddenStates: true,
    labels: labels ? Int32Array.from(labels.data) : undefined,
  });
}

/** Asserts every expected output (except the inputs) is produced within tolerance; returns the worst ratios. */
export function expectParity(name: string, actual: Map<string, Tensor>, only?: (key: string) => boolean) {
  const expected = readTensors(fixture(name, "expected.safetensors"));
  let worst = { key: "", ratio: 0, relative: 0 };
  for (const [key, e] of expected) {
    if (key === "pixel_values" || key === "labels" || (only && !only(key))) continue;
    const a = actual.get(key);
    expect(a, `${name}: output ${key} missing`).toBeDefined();
    expect(a!.size, `${name}: ${key} size`).toBe(e.size);
    if (key !== "loss") expect(a!.shape, `${name}: ${key} shape`).toEqual(e.shape);
    const ratio = toleranceRatio(a!.data, e.data);
    expect(ratio, `${name}: ${key} max|diff| / tolerance`).toBeLessThanOrEqual(1);
    if (ratio > worst.ratio) worst = { key, ratio, relative: relativeToMax(a!.data, e.data) };
  }
  return worst;
}
