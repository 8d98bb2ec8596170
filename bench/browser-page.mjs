// Runs in the browser (bench/browser.mjs serves it): one timed configuration of this engine or of
// onnxruntime-web, on the model directory served at ../out/MODEL/ and the benchmark's shared input.
import { benchInput, summarize } from "./timing.mjs";

async function bytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function time(runs, batch, pass) {
  await pass(); // warm-up: workspaces, weight upload, tier-up (and, with threads, the workers' start)
  await new Promise((resolve) => setTimeout(resolve, 50));
  await pass();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await pass();
    times.push((performance.now() - t) / batch);
  }
  const { median, min } = summarize(times);
  return { ms_per_image_median: median, ms_per_image_min: min };
}

/** This engine: { model, threads, batch, runs, size } -> timings */
export async function runOurs({ model, threads, batch, runs, size }) {
  const core = await import(new URL("../dist/core.js", import.meta.url).href);
  core.configureBackend({ backend: "wasm", threads });
  const dir = new URL(`out/${model}/`, import.meta.url);
  const t0 = performance.now();
  const files = core.memoryFiles(model, {
    "config.json": await bytes(new URL("config.json", dir)),
    "model.safetensors": await bytes(new URL("model.safetensors", dir)),
  });
  // weights in the dtype the directory holds them in (16-bit kept 16-bit), as bench/ours.mjs
  const net = await core.ConvNextForImageClassification.fromPretrained(files, { dtype: "auto" });
  const loadMs = performance.now() - t0;
  const x = new core.Tensor(benchInput(batch, size), [batch, 3, size, size]);
  let logits;
  const s = await time(runs, batch, () => (logits = net.forward(x).logits.data));
  const backend = core.getBackend();
  return {
    system: "convnext (this package)",
    backend: core.wasmRelaxedSimd() ? "wasm-relaxed" : "wasm",
    threads: backend.threads,
    batch,
    ...s,
    load_ms: loadMs,
    logits_head: Array.from(logits.slice(0, 8)),
  };
}

/** onnxruntime-web (served from node_modules) on DIR/model.onnx. */
export async function runOrt({ model, threads, batch, runs, size }) {
  const ortBase = new URL("../node_modules/onnxruntime-web/dist/", import.meta.url);
  const ort = await import(new URL("ort.wasm.min.mjs", ortBase).href);
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = ortBase.href;
  const version = (await (await fetch(new URL("../package.json", ortBase))).json()).version;
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(await bytes(new URL(`out/${model}/model.onnx`, import.meta.url)), {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  const loadMs = performance.now() - t0;
  const feeds = { pixel_values: new ort.Tensor("float32", benchInput(batch, size), [batch, 3, size, size]) };
  let logits;
  const s = await time(runs, batch, async () => (logits = (await session.run(feeds)).logits.data));
  await session.release();
  return {
    system: `onnxruntime-web ${version}`,
    backend: "wasm simd",
    threads,
    batch,
    ...s,
    load_ms: loadMs,
    logits_head: Array.from(logits.slice(0, 8)),
  };
}
