// The core as a page loads it: dist/core.js's static import closure (as built, comments stripped) stays within
// its budget of 120 KB gzip and imports no Node module and no package; esbuild bundles it for browsers.
import { describe, expect, it } from "vitest";
import { CORE_BUDGET_GZIP, minifiedBundle, staticClosure } from "../../tools/bundle-size.mjs";

describe("the core's size", () => {
  it("the static import closure of dist/core.js is within 120 KB gzip, with no Node module or package", () => {
    const closure = staticClosure();
    expect(closure.packages).toEqual([]);
    expect(closure.files.length).toBeGreaterThan(50);
    expect(closure.gzip).toBeLessThanOrEqual(CORE_BUDGET_GZIP);
    // the Node edge and the worker's own entry are not part of it
    expect(closure.files.filter((f) => /dist\/(node|cli)\/|dist\/web\/worker\.js$/.test(f.path))).toEqual([]);
  });

  it("esbuild bundles it for browsers (a node: import would not resolve there)", async () => {
    const bundle = await minifiedBundle();
    expect(bundle.gzip).toBeGreaterThan(20_000);
    expect(bundle.gzip).toBeLessThan(CORE_BUDGET_GZIP);
  });
});
