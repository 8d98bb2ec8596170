// Runs in a page served by test/browser/hub.test.ts: loads a hub model through the core's fetch-based loader
// (the Cache API, the page's own network), runs it on transformers' pixel_values and returns what happened.
const FIXTURE = new URL("../fixtures/tiny-classifier/", import.meta.url);
// fetched once, so a page that goes offline afterwards can still check the model's outputs
const expectedBytes = fetch(new URL("expected.safetensors", FIXTURE)).then(
  async (r) => new Uint8Array(await r.arrayBuffer()),
);

/**
 * { ok, logits, inHeap, progress, warnings, cacheKeys } or { ok: false, error, ... }; inHeap: every parameter views
 * the kernels' memory (the checkpoint was read into it)
 */
export async function loadModel(ref, options = {}) {
  const core = await import(new URL("../../dist/core.js", import.meta.url).href);
  const progress = [];
  const warnings = [];
  const cacheKeys = async () => {
    const cache = await caches.open("convnext-hub");
    return (await cache.keys()).map((r) => r.url);
  };
  try {
    const model = await core.ConvNextForImageClassification.fromPretrained(ref, {
      ...options,
      onProgress: (p) => progress.push(p),
      onWarning: (m) => warnings.push(m),
    });
    const expected = core.parseSafetensors(await expectedBytes);
    const logits = model.forward(core.rawToTensor(expected.tensors.get("pixel_values"))).logits;
    const heap = core.getBackend()?.heap;
    const inHeap = model.namedParameters().every(([, p]) => heap?.holds(p.data) === true);
    return { ok: true, logits: Array.from(logits.data), inHeap, progress, warnings, cacheKeys: await cacheKeys() };
  } catch (error) {
    return { ok: false, error: error.message, progress, warnings, cacheKeys: await cacheKeys() };
  }
}

/** The Worker API on a hub id, with the endpoint set page-wide by configureHub: { ok, info } or { ok: false, error }. */
export async function loadInWorker(ref, defaults) {
  const core = await import(new URL("../../dist/core.js", import.meta.url).href);
  core.configureHub(defaults);
  try {
    const classifier = await core.ImageClassifierWorker.fromPretrained(ref);
    const info = classifier.info;
    classifier.dispose();
    return { ok: true, info };
  } catch (error) {
    return { ok: false, error: error.message };
  } finally {
    core.configureHub({ endpoint: undefined });
  }
}
