// Full-size timm models through the built CLI: convnext_atto, convnextv2_atto and convnext_atto_ols (overlap stem)
// with make_timm_weights.mjs's weights (timm's own keys) on a 224 x 224 input, against the real timm's outputs
// on the same weights and input (tools/timm_full_size.py), on the fast backend the CLI picks.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serializeSafetensors } from "../../src/io/safetensors.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fixture, randomArray, readTensors, toleranceRatio } from "../helpers/helpers.js";

const CLI = new URL("../../dist/cli/main.js", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "convnext-timm-full-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("full-size timm checkpoints with generated weights", () => {
  const input = join(tmp, "in.safetensors");
  writeFileSync(input, serializeSafetensors([["pixel_values", new Tensor(randomArray(3 * 224 * 224, 19, -2, 2), [1, 3, 224, 224])]])); // prettier-ignore

  it.each([
    ["convnext_atto", 3_695_520],
    ["convnextv2_atto", 3_708_400],
    ["convnext_atto_ols", 3_702_912],
  ])("%s (%i parameters) matches timm", (arch, params) => {
    const dir = join(tmp, arch);
    const gen = spawnSync(process.execPath, ["tools/make_timm_weights.mjs", "--arch", arch, "--out", dir], { encoding: "utf8" }); // prettier-ignore
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stderr).toContain(`${params} params`);
    const out = join(dir, "out.safetensors");
    const r = spawnSync(process.execPath, [CLI, "forward", "--model", dir, "--input", input, "--output", out], { encoding: "utf8" }); // prettier-ignore
    expect(r.status, r.stderr).toBe(0);
    const got = readTensors(out);
    const expected = readTensors(fixture("timm-full-size", `${arch}.safetensors`));
    for (const [name, e] of expected) {
      expect(got.get(name)!.shape, name).toEqual(e.shape);
      expect(toleranceRatio(got.get(name)!.data, e.data), name).toBeLessThanOrEqual(1);
    }
  });
});
