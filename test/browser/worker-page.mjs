// Runs in a page served by test/browser/worker-api.test.ts: the Worker API (ImageClassifierWorker,
// FeatureExtractorWorker) next to the same pipelines on the page's own thread, on the bundled example model.
const core = await import(new URL("../../dist/core.js", import.meta.url).href);
const MODEL = new URL("../../examples/model/", import.meta.url);

async function bytesOf(url) {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

/** The longest main-thread task (ms) while `work` runs, from the Long Tasks API (tasks over 50 ms). */
async function longestTask(work) {
  const tasks = [];
  const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => e.duration)));
  observer.observe({ type: "longtask" });
  const result = await work();
  await new Promise((r) => setTimeout(r, 100)); // entries are delivered asynchronously
  observer.disconnect();
  return { result, longest: Math.max(0, ...tasks) };
}

/** photo, heavy: URLs of JPEGs (heavy: a large one); options: { threads } for the worker. */
export async function compare(photo, heavy, options = {}) {
  const bytes = await bytesOf(photo);
  const file = () => new File([bytes], "photo.jpg", { type: "image/jpeg" });
  const decoded = await createImageBitmap(file());
  const canvas = new OffscreenCanvas(decoded.width, decoded.height);
  canvas.getContext("2d").drawImage(decoded, 0, 0);
  const imageData = () => canvas.getContext("2d").getImageData(0, 0, decoded.width, decoded.height);

  const progress = [];
  const classifier = await core.ImageClassifierWorker.fromPretrained(MODEL.pathname, {
    ...options,
    onProgress: (p) => progress.push(p.file),
  });
  const inThread = await core.ImageClassifier.fromPretrained(MODEL.href, { onWarning: () => {} });

  const single = await classifier.classify(file());
  const buffer = bytes.slice().buffer;
  const pixels = imageData();
  const list = await classifier.classify([file(), buffer, pixels, new Uint8Array([1, 2, 3])], { topK: 3 });
  const kept = bytes.slice().buffer;
  await classifier.classify(kept, {}); // transfer: true moves it...
  const copied = bytes.slice().buffer;
  const copier = await core.ImageClassifierWorker.fromPretrained(MODEL.pathname, { ...options, transfer: false });
  await copier.classify(copied); // ...transfer: false copies it
  copier.dispose();
  // the same batch on the page's thread (a batch's size changes the classifier's last float32 bits)
  const reference = await inThread.classify([file(), bytes.slice().buffer, imageData(), new Uint8Array([1, 2, 3])], { topK: 3 }); // prettier-ignore
  const referenceSingle = (await inThread.classify([file()]))[0];
  const inspection = await classifier.inspect(file());
  // image URLs relative to the page: fetched by the worker, and by the page's own pipeline
  const relative = "test/fixtures/images/photos/darknet/dog.jpg";
  const urls = {
    worker: await classifier.classify(relative),
    page: (await inThread.classify([relative]))[0],
    missing: await classifier.classify("test/fixtures/no-such-image.jpg"),
    // something that cannot be posted at all (a function)
    unsendable: await classifier.classify({ data: () => 0, width: 1, height: 1 }).then(
      () => "resolved",
      (e) => e.message,
    ),
  };

  // the page's main thread while 4 large photos are classified: in the worker, then on this thread
  const heavyBytes = await bytesOf(heavy);
  const batch = () => Array.from({ length: 4 }, () => new File([heavyBytes], "large.jpg", { type: "image/jpeg" }));
  const inWorker = await longestTask(() => classifier.classify(batch()));
  const onPage = await longestTask(() => inThread.classify(batch()));

  // the model's files posted to the worker instead of a URL
  const posted = Object.fromEntries(
    await Promise.all(["config.json", "model.safetensors", "preprocessor_config.json"].map(async (f) => [f, await bytesOf(new URL(f, MODEL))])), // prettier-ignore
  );
  const extractor = await core.FeatureExtractorWorker.fromPretrained({ name: "posted", files: posted }, options);
  const embedding = (await extractor.extract(file(), { normalize: true })).embedding;
  const referenceEmbedding = (await (await core.FeatureExtractor.fromPretrained(MODEL.href)).extract([file()], { normalize: true }))[0].embedding; // prettier-ignore
  extractor.dispose();

  classifier.dispose();
  const afterDispose = await classifier.classify(file()).then(
    () => "resolved",
    (e) => e.message,
  );
  return {
    info: classifier.info,
    progress,
    single,
    list,
    reference,
    referenceSingle,
    urls,
    inspection: {
      file: inspection.file,
      predictions: inspection.predictions,
      input: [inspection.input.width, inspection.input.height, inspection.input.data.length],
      featureMaps: inspection.featureMaps.map((m) => [m.index, m.channels, m.height, m.width, m.shown.length]),
    },
    detached: { buffer: buffer.byteLength, pixels: pixels.data.length, kept: kept.byteLength, copied: copied.byteLength }, // prettier-ignore
    longestTask: { inWorker: inWorker.longest, onPage: onPage.longest },
    embedding: { length: embedding.length, type: embedding.constructor.name, same: embedding.every((v, i) => v === referenceEmbedding[i]) }, // prettier-ignore
    afterDispose,
  };
}

/** How starting a worker fails: a worker script that does not exist, a model that does not exist. */
export async function failures() {
  const badScript = await core.ImageClassifierWorker.fromPretrained(MODEL.pathname, {
    worker: () => new Worker("/plain/test/browser/no-such-worker.js", { type: "module" }),
  }).then(
    () => "resolved",
    (e) => e.message,
  );
  const badModel = await core.ImageClassifierWorker.fromPretrained("/plain/no-such-model/").then(
    () => "resolved",
    (e) => e.message,
  );
  return { badScript, badModel };
}
