// config.json and preprocessor_config.json that ask for absurd sizes: one clear error naming the file, fast,
// before labels, layers or images are built (issue 16).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConvNextForImageClassification, ConvNextImageProcessor, memoryFiles } from "../../src/index.js";
import { fixture } from "../helpers/helpers.js";

const CONFIG = JSON.parse(readFileSync(fixture("tiny-classifier", "config.json"), "utf8")) as Record<string, unknown>;
const WEIGHTS = new Uint8Array(readFileSync(fixture("tiny-classifier", "model.safetensors")));
const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

async function load(config: Record<string, unknown>) {
  const files = memoryFiles("mem", { "config.json": enc(config), "model.safetensors": WEIGHTS });
  return ConvNextForImageClassification.fromPretrained(files, { onWarning: () => {} });
}

describe("config.json", () => {
  const { id2label: _drop, label2id: _drop2, ...noLabels } = CONFIG;
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      "num_labels 10^9",
      { ...noLabels, num_labels: 1e9 },
      /"num_labels" must be an integer in 0\.\.100000, got 1000000000/,
    ],
    [
      "depths of 10^8",
      { ...CONFIG, depths: [1e8, 1, 1, 1] },
      /"depths" must be a list of 1\.\.16 integers in 1\.\.1000/,
    ],
    [
      "num_stages 10^6",
      { ...CONFIG, num_stages: 1e6, depths: Array(1e6).fill(1), hidden_sizes: Array(1e6).fill(8) },
      /"num_stages" must be an integer in 1\.\.16/,
    ],
    ["hidden sizes 10^9", { ...CONFIG, hidden_sizes: [1e9, 8, 8, 8] }, /"hidden_sizes" must be a list/],
    [
      "depths adding up past 10,000",
      { ...CONFIG, num_stages: 16, depths: Array(16).fill(1000), hidden_sizes: Array(16).fill(8) },
      /depths add up to 16000 layers/,
    ],
    [
      "an id2label value that is not a string",
      { ...CONFIG, id2label: { 0: ["a"], 1: "b", 2: "c" } },
      /id2label\[0\] must be a string, got \["a"\]/,
    ],
    [
      "architectures that are not strings",
      { ...CONFIG, architectures: [7] },
      /"architectures" must be a list of strings/,
    ],
    ["label2id that is not label -> id", { ...CONFIG, label2id: { a: "x" } }, /label2id must be an object/],
  ];
  for (const [name, config, error] of cases) {
    it(name, async () => {
      const started = performance.now();
      await expect(load(config)).rejects.toThrow(new RegExp(`^mem/config\\.json: invalid config: .*${error.source}`));
      expect(performance.now() - started).toBeLessThan(2_000);
    });
  }

  it("a huge value in the file gives a short message", async () => {
    const err = await load({ ...CONFIG, num_labels: "x".repeat(1_000_000), id2label: null }).catch((e: Error) => e);
    expect((err as Error).message.length).toBeLessThan(300);
  });

  it("100,000 labels against a 5-label checkpoint: the mismatch is reported (labels are capped, not the check)", async () => {
    const big = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [i, `l${i}`]));
    const err = (await load({ ...CONFIG, id2label: big, label2id: null }).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/mis-shaped keys.*classifier\.weight: checkpoint \[5, \d+\] vs model \[100000, \d+\]/s);
    expect(err.message.length).toBeLessThan(2_000);
  });
});

describe("preprocessor_config.json", () => {
  const from = (json: unknown) => ConvNextImageProcessor.fromConfig(json, "dir/preprocessor_config.json");
  const cases: Array<[string, unknown, RegExp]> = [
    ["shortest_edge 10^9", { size: { shortest_edge: 1e9 } }, /size\.shortest_edge must be an integer in 1\.\.4096/],
    [
      "a tiny crop_pct",
      { size: { shortest_edge: 224 }, crop_pct: 1e-9 },
      /int\(shortest_edge 224 \/ crop_pct 1e-9\) = 224000000000 is not in 1\.\.4096/,
    ],
    [
      "crop_pct making the size 0",
      { size: { shortest_edge: 224 }, crop_pct: 1000 },
      /int\(shortest_edge 224 \/ crop_pct 1000\) = 0 is not in 1\.\.4096/,
    ],
    [
      "image_std 0 in float32",
      { image_std: [1e-46, 0.5, 0.5] },
      /image_std \[1e-46,0\.5,0\.5\] contains 0 \(in float32\)/,
    ],
    [
      "a rescale_factor overflowing float32",
      { rescale_factor: 1e38 },
      /rescale_factor 1e\+38, image_mean and image_std turn level \d+ of channel 0 into -?Infinity in float32/,
    ],
  ];
  for (const [name, json, error] of cases) {
    it(name, () => {
      expect(() => from(json)).toThrow(new RegExp(`^dir/preprocessor_config\\.json: ${error.source}`));
    });
  }

  it("an image of extreme aspect ratio is refused before resizing to billions of pixels", () => {
    const processor = new ConvNextImageProcessor({ shortestEdge: 224 });
    const strip = { width: 60_000, height: 1, data: new Uint8Array(60_000 * 3) };
    const started = performance.now();
    expect(() => processor.prepare(strip, "strip.png")).toThrow(
      /^strip\.png: a 60000x1 image resizes to 15360000x256 = 3932160000 pixels, above the limit of 89478485/,
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("JSON files and shard indexes", () => {
  it("a JSON file above 16 MB is refused before parsing", async () => {
    const huge = new Uint8Array(17 * 1024 * 1024).fill(0x20);
    const files = memoryFiles("mem", { "config.json": huge, "model.safetensors": WEIGHTS });
    await expect(ConvNextForImageClassification.fromPretrained(files)).rejects.toThrow(
      /^mem\/config\.json: 17825792 bytes, above the limit of 16777216 for a JSON file$/,
    );
  });

  it("an index naming more than 1,000 shard files is refused before any is read", async () => {
    const weightMap = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, `model-${i}.safetensors`]));
    let reads = 0;
    const inner = memoryFiles("mem", {
      "config.json": enc(CONFIG),
      "model.safetensors.index.json": enc({ weight_map: weightMap }),
    });
    const files = { ...inner, read: async (f: string) => (reads++, inner.read(f)) };
    await expect(ConvNextForImageClassification.fromPretrained(files)).rejects.toThrow(
      /^mem\/model\.safetensors\.index\.json: 5000 shard files, above the limit of 1000$/,
    );
    expect(reads).toBeLessThan(5); // config.json, model.safetensors (absent), the index
  });
});
