// Runs in a browser (a page or a dedicated Worker), served by test/browser.test.ts: loads the
// tiny-classifier fixture through the core's public API, runs it on the requested backend and returns the
// outputs (as plain arrays) for the test to compare with transformers' expected tensors.
const FIXTURE = new URL("../fixtures/tiny-classifier/", import.meta.url);

async function bytes(name) {
  const response = await fetch(new URL(name, FIXTURE));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * options: { backend?: "wasm" | "js", threads?: number, dtype?: "f16" | "int8" } (none: the defaults this platform
 * picks; dtype: fromPretrained's option, converting the weights on load)
 */
export async function runModel(options) {
  const core = await import(new URL("../../dist/core.js", import.meta.url).href);
  const files = core.memoryFiles("tiny-classifier", {
    "config.json": await bytes("config.json"),
    "model.safetensors": await bytes("model.safetensors"),
  });
  const expected = core.parseSafetensors(await bytes("expected.safetensors"));
  const pixels = core.rawToTensor(expected.tensors.get("pixel_values"));
  if (options.backend) core.configureBackend({ backend: options.backend, threads: options.threads ?? 0 });
  const backend = core.getBackend();
  const model = await core.loadPretrained(files, { onWarning: () => {}, ...(options.dtype && { dtype: options.dtype }) }); // prettier-ignore
  let out = model.forward(pixels, { outputHiddenStates: true });
  // workers start once this thread has yielded; retry until a pass had chunks run by them
  let workerChunks = 0;
  for (let tries = 0; backend.threads > 1 && workerChunks === 0 && tries < 300; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const before = backend.workerChunks;
    out = model.forward(pixels, { outputHiddenStates: true });
    workerChunks = backend.workerChunks - before;
  }
  const outputs = { logits: out.logits, last_hidden_state: out.lastHiddenState, pooler_output: out.poolerOutput };
  out.hiddenStates.forEach((h, i) => (outputs[`hidden_states.${i}`] = h));
  return {
    backend: backend.name,
    threads: backend.threads,
    workerChunks,
    relaxedSimd: core.wasmRelaxedSimd(),
    crossOriginIsolated: globalThis.crossOriginIsolated,
    dtypes: [...new Set(model.namedParameters().map(([, p]) => p.dtype))].sort(),
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, Array.from(t.data)])),
  };
}
