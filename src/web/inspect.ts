// The classification pipeline step by step, for pages that show how it works (the demo's teaching view):
// the same steps as ImageClassifier.classify (read, decode like Pillow, resize and crop, rescale and
// normalize, forward, postprocess), each timed, with what the model saw and a few channels of every
// hidden state as small greyscale images.

import type { Tensor } from "../tensor/tensor.js";
import type { RgbImage } from "../preprocess/image.js";
import type { ImageClassifier, PostprocessOptions, Prediction } from "../pipelines/image-classification.js";
import { readSource, sourceName, toRgb, type ImageSource, type LoadOptions } from "../pipelines/image-source.js";
import { namedError } from "../pipelines/preparer.js";

export interface InspectOptions extends PostprocessOptions, LoadOptions {
  /** Channels shown per hidden state, the ones that vary most over the image (default 4). */
  channels?: number;
}

/** One channel of a hidden state, scaled to 0..255 between its own min and max. */
export interface ChannelView {
  channel: number;
  min: number;
  max: number;
  /** width x height greyscale bytes. */
  pixels: Uint8Array;
}

/** hidden_states.<index>: [channels, height, width] of the image, and the channels shown. */
export interface FeatureMapView {
  /** Index in hidden_states: 0 the stem's output, i the output of stage i. */
  index: number;
  channels: number;
  height: number;
  width: number;
  shown: ChannelView[];
}

/** Milliseconds per step of one image's pass. */
export interface StepTimings {
  /** Reading the source (a Blob's bytes, a URL's fetch). */
  read: number;
  /** Decoding to RGB like Pillow, EXIF orientation included. */
  decode: number;
  /** Resize, crop, rescale and normalize: pixel_values. */
  preprocess: number;
  forward: number;
  /** function_to_apply and top-k. */
  postprocess: number;
}

export interface Inspection {
  file: string;
  predictions: Prediction[];
  timings: StepTimings;
  /** The decoded image's size (after the EXIF orientation). */
  decoded: { width: number; height: number };
  /** The image as the model sees it: resized and cropped, before rescale and normalize (e.g. 224x224). */
  input: RgbImage;
  featureMaps: FeatureMapView[];
}

const now = () => performance.now();

export async function inspectImage(
  classifier: ImageClassifier,
  source: ImageSource,
  options: InspectOptions = {},
): Promise<Inspection> {
  const file = sourceName(source, 0);
  const t0 = now();
  let rgb: RgbImage;
  let t1: number;
  try {
    const raw = await readSource(source, file, options);
    t1 = now();
    rgb = toRgb(raw, file, options);
  } catch (e) {
    throw namedError(e, file);
  }
  const t2 = now();
  const input = classifier.processor.resizeAndCrop(rgb);
  const pixelValues = classifier.processor.stack([input]);
  const t3 = now();
  const outputs = classifier.model.forwardNamed(pixelValues, { outputHiddenStates: true });
  const t4 = now();
  const [{ predictions }] = classifier.postprocess(outputs, options);
  const t5 = now();
  const featureMaps: FeatureMapView[] = [];
  for (let i = 0; outputs.has(`hidden_states.${i}`); i++) {
    featureMaps.push(featureMapView(outputs.get(`hidden_states.${i}`)!, i, options.channels ?? 4));
  }
  return {
    file,
    predictions,
    timings: { read: t1 - t0, decode: t2 - t1, preprocess: t3 - t2, forward: t4 - t3, postprocess: t5 - t4 },
    decoded: { width: rgb.width, height: rgb.height },
    input,
    featureMaps,
  };
}

/** The `count` channels of the first image of `state` [N, C, H, W] with the largest spatial variance. */
export function featureMapView(state: Tensor, index: number, count: number): FeatureMapView {
  const [, channels, height, width] = state.shape;
  const plane = height * width;
  const variance = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let squares = 0;
    for (let p = c * plane; p < (c + 1) * plane; p++) {
      sum += state.data[p];
      squares += state.data[p] * state.data[p];
    }
    variance[c] = squares / plane - (sum / plane) ** 2;
  }
  const order = Array.from({ length: channels }, (_, c) => c).sort((a, b) => variance[b] - variance[a] || a - b);
  const shown = order.slice(0, Math.max(0, Math.min(count, channels))).map((channel) => {
    const values = state.data.subarray(channel * plane, (channel + 1) * plane);
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const scale = max > min ? 255 / (max - min) : 0;
    const pixels = new Uint8Array(plane);
    for (let p = 0; p < plane; p++) pixels[p] = Math.round((values[p] - min) * scale);
    return { channel, min, max, pixels };
  });
  return { index, channels, height, width, shown };
}
