// Every ConvNeXt / ConvNeXt V2 in timm's registry builds from its architecture name alone with exactly the
// parameters the real timm gives it (tools/timm_registry.py): each timm key maps to one module parameter of
// the same shape (conv_mlp's [out, in, 1, 1] and GRN's [C] in HF's [out, in] and [1, 1, 1, C]), none left over.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createModel, parseTimmConfig, timmToModelKey, TIMM_CONVNEXT_REGISTRY } from "../../src/index.js";
import { basePrefix } from "../../src/model/convnext-model.js";
import { fixture } from "../helpers/helpers.js";

const REGISTRY = JSON.parse(readFileSync(fixture("timm-registry.json"), "utf8")) as {
  models: Record<string, Array<[string, number[]]>>;
  variants: Record<string, { architecture: string; model_args: object; keys: Array<[string, number[]]> }>;
};

/** Builds `architecture` with `modelArgs` and checks its parameters against timm's list, one to one. */
function expectTimmParameters(architecture: string, modelArgs: object, timmKeys: Array<[string, number[]]>) {
  const { config } = parseTimmConfig({ architecture, num_classes: 1000, model_args: modelArgs }, architecture);
  const model = createModel(config, "classification");
  const params = new Map(model.namedParameters().map(([k, p]) => [k, p.shape]));
  const used = new Set<string>();
  for (const [key, shape] of timmKeys) {
    const name = timmToModelKey(key, config.timm!, basePrefix(config));
    const want = params.get(name);
    expect(want, `${key} -> ${name}`).toBeDefined();
    const hfShape = /\.pwconv[12]\.weight$/.test(name) && shape.length === 4 ? shape.slice(0, 2) : /\.grn\./.test(name) ? [1, 1, 1, ...shape] : shape; // prettier-ignore
    expect(want, key).toEqual(hfShape);
    used.add(name);
  }
  expect([...params.keys()].filter((k) => !used.has(k))).toEqual([]);
}

describe("timm's registry", () => {
  it("lists the same architectures as ours", () => {
    expect(Object.keys(TIMM_CONVNEXT_REGISTRY).sort()).toEqual(Object.keys(REGISTRY.models).sort());
  });

  it.each(Object.keys(REGISTRY.models))("%s", (architecture) => {
    expectTimmParameters(architecture, {}, REGISTRY.models[architecture]);
  });

  it.each(Object.keys(REGISTRY.variants))("%s", (label) => {
    const v = REGISTRY.variants[label];
    expectTimmParameters(v.architecture, v.model_args, v.keys);
  });
});
