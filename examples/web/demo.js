// The demo page: the model loads in a Web Worker (ImageClassifierWorker, from the hub or the demo server's
// local hub, kept in the Cache API), then every image chosen, dropped or pasted goes through
// classifier.inspect(): the top-5 labels, each step's time, the model's input and a few channels of every
// hidden state. Plain ES modules, no build step: dist/core.js as the browser loads it.
import { ImageClassifierWorker } from "./dist/core.js";

const $ = (id) => document.getElementById(id);
const status = $("status");
/** Timestamps (performance.now(), ms since navigation) for bench/first-classification.mjs. */
const marks = (window.convnextDemo = { results: 0 });

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function formatBytes(n) {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// ---- loading the model ----

const downloads = new Map(); // file -> { loaded, total, cached }
function showProgress(p) {
  downloads.set(p.file, p);
  let loaded = 0;
  let total = 0;
  for (const d of downloads.values()) {
    loaded += d.loaded;
    total += d.total ?? d.loaded;
  }
  const files = [...downloads.values()];
  const done = files.every((d) => d.total !== null && d.loaded >= d.total);
  $("download").hidden = false;
  $("download-bar").value = total ? loaded / total : 0;
  $("download-text").textContent = !done
    ? `${p.file.split("/").pop()}: ${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ""}`
    : files.every((d) => d.cached)
      ? `${formatBytes(total)} from the browser's cache`
      : `${formatBytes(total)} downloaded (${files.length} files), kept in the browser's cache`;
}

async function loadModel() {
  const params = new URLSearchParams(location.search);
  const config = await (await fetch("demo-config.json")).json();
  const model = params.get("model") ?? config.model;
  const endpoint = params.get("endpoint") ?? config.endpoint;
  $("model-name").textContent = model;
  marks.loadStart = performance.now();
  const classifier = await ImageClassifierWorker.fromPretrained(model, {
    endpoint,
    onProgress: showProgress,
    onWarning: (message) => console.warn(message),
  });
  marks.modelReady = performance.now();
  marks.info = classifier.info;
  const { backend, kernels, threads, crossOriginIsolated } = classifier.info;
  $("runtime").textContent =
    `· ${kernels} kernels · ${threads} thread${threads > 1 ? "s" : ""}` +
    (crossOriginIsolated ? "" : " (not cross-origin isolated: one thread)");
  $("runtime").dataset.backend = backend;
  return classifier;
}

// ---- one image ----

/** RGB (or greyscale through a palette) bytes -> a canvas of their size. */
function drawPixels(canvas, width, height, pixel) {
  canvas.width = width;
  canvas.height = height;
  const image = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = pixel(i);
    image.data.set([r, g, b, 255], 4 * i);
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
  return canvas;
}

// viridis at five stops: dark blue (the channel's minimum) to yellow (its maximum)
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
const PALETTE = Array.from({ length: 256 }, (_, v) => {
  const x = (v / 255) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const t = x - i;
  return STOPS[i].map((c, k) => Math.round(c + t * (STOPS[i + 1][k] - c)));
});

function renderPredictions(predictions) {
  const list = $("predictions");
  list.replaceChildren(
    ...predictions.map(({ label, index, score }) => {
      const row = document.createElement("li");
      row.dataset.testid = "prediction";
      row.dataset.label = label;
      row.dataset.score = String(score); // the full float, as convnext classify --json prints it
      row.dataset.index = String(index);
      row.innerHTML = `<span class="label"></span><span class="bar"><span></span></span><span class="score"></span>`;
      row.querySelector(".label").textContent = label;
      row.querySelector(".bar > span").style.width = `${Math.max(0, Math.min(1, score)) * 100}%`;
      row.querySelector(".score").textContent = `${(score * 100).toFixed(1)}%`;
      row.title = `class ${index}, score ${score}`;
      return row;
    }),
  );
}

function renderTimings(timings, info) {
  const rows = [
    ["decode", timings.read + timings.decode, "read the file, decode like Pillow"],
    ["preprocess", timings.preprocess, "resize, crop, rescale, normalize"],
    ["forward", timings.forward, `the network, ${info.kernels} kernels on ${info.threads} thread(s)`],
    ["postprocess", timings.postprocess, "softmax, top 5"],
  ];
  $("timings").tBodies[0].replaceChildren(
    ...rows.map(([name, ms, what]) => {
      const tr = document.createElement("tr");
      tr.dataset.step = name;
      tr.innerHTML = `<th></th><td class="ms"></td><td class="what"></td>`;
      tr.children[0].textContent = name;
      tr.children[1].textContent = `${ms.toFixed(1)} ms`;
      tr.children[2].textContent = what;
      return tr;
    }),
  );
}

function renderInput({ input, decoded }) {
  const { data, width, height } = input;
  drawPixels($("model-input"), width, height, (i) => [data[3 * i], data[3 * i + 1], data[3 * i + 2]]);
  $("input-caption").textContent = `${width} × ${height} pixels, from the decoded ${decoded.width} × ${decoded.height}`;
}

function renderFeatureMaps(featureMaps) {
  $("feature-maps").replaceChildren(
    ...featureMaps.map((map) => {
      const row = document.createElement("figure");
      row.className = "stage";
      row.dataset.index = String(map.index);
      const caption = document.createElement("figcaption");
      const name = map.index === 0 ? "stem" : `stage ${map.index}`;
      caption.textContent = `${name}: ${map.channels} channels of ${map.width} × ${map.height}`;
      row.append(caption);
      for (const channel of map.shown) {
        const canvas = drawPixels(document.createElement("canvas"), map.width, map.height, (i) => PALETTE[channel.pixels[i]]); // prettier-ignore
        canvas.title = `channel ${channel.channel}: ${channel.min.toFixed(2)} … ${channel.max.toFixed(2)}`;
        canvas.dataset.channel = String(channel.channel);
        row.append(canvas);
      }
      return row;
    }),
  );
}

let classifierReady;
let latest = 0;

async function classifyImage(file) {
  const run = ++latest;
  const started = performance.now();
  setStatus("running", `Classifying ${file.name || "the pasted image"}…`);
  $("original").hidden = false;
  const preview = $("original-image");
  if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  $("original-caption").textContent = `${file.name || "pasted image"} · ${formatBytes(file.size)}`;
  try {
    const classifier = await classifierReady;
    const inspection = await classifier.inspect(file, { topK: 5, channels: 4 });
    if (run !== latest) return; // a newer image was chosen meanwhile
    renderPredictions(inspection.predictions);
    renderTimings(inspection.timings, classifier.info);
    renderInput(inspection);
    renderFeatureMaps(inspection.featureMaps);
    for (const id of ["results", "input-view", "features"]) $(id).hidden = false;
    marks.results++;
    marks.lastResult = performance.now();
    if (marks.firstResult === undefined) {
      marks.firstResult = marks.lastResult;
      marks.firstClassifyStart = started;
      marks.firstTimings = inspection.timings;
    }
    const top = inspection.predictions[0];
    setStatus("done", `${inspection.file}: ${top.label} (${(top.score * 100).toFixed(1)}%)`);
  } catch (error) {
    if (run !== latest) return;
    $("predictions").replaceChildren();
    setStatus("error", error.message);
  }
}

// ---- choosing an image: the file input, drag and drop, paste ----

$("image-input").addEventListener("change", (event) => {
  const [file] = event.target.files;
  if (file) classifyImage(file);
});
const dropzone = $("dropzone");
for (const type of ["dragenter", "dragover"]) {
  document.addEventListener(type, (event) => {
    event.preventDefault();
    dropzone.classList.add("dragging");
  });
}
document.addEventListener("dragleave", () => dropzone.classList.remove("dragging"));
document.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("dragging");
  const file = [...event.dataTransfer.files].find((f) => f.type.startsWith("image/")) ?? event.dataTransfer.files[0];
  if (file) classifyImage(file);
});
document.addEventListener("paste", (event) => {
  const item = [...event.clipboardData.items].find((i) => i.kind === "file" && i.type.startsWith("image/"));
  if (item) classifyImage(item.getAsFile());
});

classifierReady = loadModel();
classifierReady.then(
  () => {
    if (status.dataset.state === "loading") setStatus("ready", "Ready: choose, drop or paste an image.");
  },
  (error) => setStatus("error", `Could not load the model: ${error.message}`),
);
