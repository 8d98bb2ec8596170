// The cost of a plan (src/model/flops.ts), against multiply-adds counted layer by layer by hand.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { parseConvNextConfig } from "../../src/model/config.js";
import { planMacs, totalMacs } from "../../src/model/flops.js";
import { createModel } from "../../src/pretrained/models.js";
import { fixture } from "../helpers/helpers.js";

test("tiny-classifier at 64x64, multiply-adds counted layer by layer by hand", () => {
  const config = parseConvNextConfig(JSON.parse(readFileSync(fixture("tiny-classifier", "config.json"), "utf8")));
  const plan = createModel(config, "classification").plan([1, 3, 64, 64]);
  // stem 16*16*8*3*16 = 98304; stage 1 (16x16, C 8): 256*(8*49 + 8*32 + 32*8) = 231424;
  // stage 2 (8x8, C 16): down 64*16*8*4 = 32768, block 64*(16*49 + 2*16*64) = 181248;
  // stage 3 (4x4, C 32, 2 blocks): down 32768, 2*16*(32*49 + 2*32*128) = 312320;
  // stage 4 (2x2, C 64): down 32768, 4*(64*49 + 2*64*256) = 143616; classifier 64*5 = 320
  expect(totalMacs(plan)).toBe(1_065_536);
  expect(planMacs(plan).get("stem")).toBe(98304);
  expect(planMacs(plan).get("downsampling")).toBe(3 * 32768);
  expect(planMacs(plan).get("head")).toBe(320);
  // the batch multiplies everything
  expect(totalMacs(createModel(config, "classification").plan([3, 3, 64, 64]))).toBe(3 * 1_065_536);
});

test("convnext-tiny at 224 is the paper's 4.5 G multiply-adds", () => {
  const config = parseConvNextConfig({ hidden_sizes: [96, 192, 384, 768], depths: [3, 3, 9, 3] });
  const macs = totalMacs(createModel(config, "base").plan([1, 3, 224, 224]));
  expect(macs).toBeGreaterThan(4.4e9);
  expect(macs).toBeLessThan(4.5e9);
});
