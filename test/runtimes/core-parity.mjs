// The core's parity check for other runtimes (Deno, Bun), run by test/runtimes/runtimes.test.ts as
// `deno run --allow-read test/runtimes/core-parity.mjs` or `bun test/runtimes/core-parity.mjs`: dist/core.js loads
// the tiny-classifier fixture from its files, runs transformers' pixel_values on the default backend, and the
// classification pipeline on a real photo. Prints one JSON line; the test compares it with transformers' outputs
// and with Node.
/* global Deno, Bun */ // this script runs under them, never Node
const root = new URL("../../", import.meta.url);

async function readBytes(path) {
  const url = new URL(path, root);
  if (globalThis.Deno) return Deno.readFile(url);
  if (globalThis.Bun) return new Uint8Array(await Bun.file(url.pathname).arrayBuffer());
  throw new Error("run this with deno or bun");
}

const core = await import(new URL("dist/core.js", root).href);
const model = await core.ConvNextForImageClassification.fromPretrained(
  core.memoryFiles("tiny-classifier", {
    "config.json": await readBytes("test/fixtures/tiny-classifier/config.json"),
    "model.safetensors": await readBytes("test/fixtures/tiny-classifier/model.safetensors"),
  }),
  { onWarning: () => {} },
);
const expected = core.parseSafetensors(await readBytes("test/fixtures/tiny-classifier/expected.safetensors"));
const outputs = model.forwardNamed(core.rawToTensor(expected.tensors.get("pixel_values")), { outputHiddenStates: true }); // prettier-ignore
const classifier = await core.ImageClassifier.fromPretrained(
  core.memoryFiles("example", {
    "config.json": await readBytes("examples/model/config.json"),
    "model.safetensors": await readBytes("examples/model/model.safetensors"),
    "preprocessor_config.json": await readBytes("examples/model/preprocessor_config.json"),
  }),
  { onWarning: () => {} },
);
const photo = "test/fixtures/images/photos/darknet/dog.jpg";
const [result] = await classifier.classify([await readBytes(photo)]);
const backend = core.getBackend();
// the kernels' workers start once this thread has yielded: run until a pass had chunks run by them
let workerChunks = 0;
for (let tries = 0; backend && backend.threads > 1 && workerChunks === 0 && tries < 300; tries++) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  const before = backend.workerChunks;
  model.forward(core.rawToTensor(expected.tensors.get("pixel_values")));
  workerChunks = backend.workerChunks - before;
}
console.log(
  JSON.stringify({
    runtime: globalThis.Deno ? `deno ${Deno.version.deno}` : `bun ${Bun.version}`,
    backend: backend?.name ?? "reference",
    kernels: backend?.kernels ?? "reference",
    threads: backend?.threads ?? 1,
    workerChunks,
    outputs: Object.fromEntries([...outputs].map(([k, t]) => [k, Array.from(t.data)])),
    predictions: result.predictions ?? result.error,
  }),
);
core.disposeBackends();
