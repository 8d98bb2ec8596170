// The pixel containers the processor accepts, all brought to 8-bit RGB (HxWx3) the way the HF pipeline would
// see them after `convert("RGB")`: alpha is dropped (not composited) and grey is replicated.

import type { RgbImage } from "./image.js";

/** Interleaved 8-bit pixels with an explicit channel count (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
export interface RawPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** An ndarray-style uint8 image: shape [height, width] or [height, width, channels] (channels last). */
export interface NdArrayImage {
  data: Uint8Array | Uint8ClampedArray | ArrayLike<number>;
  shape: readonly number[];
}

/** The browser's ImageData (always RGBA). */
export interface ImageDataLike {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export type ImageInput = RgbImage | RawPixels | NdArrayImage | ImageDataLike;

function checkDims(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
}

/** Any accepted input -> RgbImage (a copy only when the layout changes). */
export function toRgbImage(input: ImageInput, what = "image"): RgbImage {
  if (!input || typeof input !== "object" || !("data" in input)) {
    throw new Error(`${what}: expected {data, width, height[, channels]} or {data, shape}, got ${typeof input}`);
  }
  let width: number;
  let height: number;
  let channels: number;
  if ("shape" in input && Array.isArray(input.shape)) {
    const shape = input.shape;
    if (shape.length !== 2 && shape.length !== 3) {
      throw new Error(
        `${what}: ndarray shape must be [height, width] or [height, width, channels], got [${shape.join(", ")}]`,
      );
    }
    [height, width] = shape;
    channels = shape.length === 3 ? shape[2] : 1;
  } else {
    const r = input as RawPixels;
    width = r.width;
    height = r.height;
    checkDims(width, height, what);
    // ImageData and RGB images carry no channel count: infer it from the data length (RGB or RGBA only).
    channels = r.channels ?? r.data.length / (width * height);
  }
  checkDims(width, height, what);
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`${what}: ${channels} channels; expected 1, 2, 3 or 4`);
  const data = input.data;
  if (data.length !== width * height * channels) {
    throw new Error(
      `${what}: data has ${data.length} values, ${width}x${height}x${channels} needs ${width * height * channels}`,
    );
  }
  const isBytes = data instanceof Uint8Array || data instanceof Uint8ClampedArray;
  if (!isBytes) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < 0 || v > 255) {
        throw new Error(`${what}: pixel values must be uint8 (0..255 integers); found ${v} at index ${i}`);
      }
    }
  }
  if (channels === 3) {
    const bytes = data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>);
    return { width, height, data: bytes };
  }
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    if (channels <= 2) {
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = data[s];
    } else {
      out[3 * i] = data[s];
      out[3 * i + 1] = data[s + 1];
      out[3 * i + 2] = data[s + 2];
    }
  }
  return { width, height, data: out };
}
