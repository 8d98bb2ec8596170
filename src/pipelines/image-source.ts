// What a pipeline accepts as an image, and how each kind becomes the RGB image transformers' load_image hands
// the processor: pixels in memory (RgbImage, ImageData, ndarray-like) as they are; encoded bytes (Uint8Array,
// ArrayBuffer, Blob/File) decoded like Pillow, EXIF orientation applied, convert("RGB"); strings (paths, URLs)
// through the loader a platform entry registers (src/node for files, file:// and http(s) URLs, "-"), else
// fetched as URLs (fetch-image.ts); load_image's base64 strings and data: URLs need no platform.

import type { RgbImage } from "../preprocess/image.js";
import { toRgbImage, type ImageInput } from "../preprocess/image-input.js";
import { loadImageDecoders } from "../preprocess/decode.js";
import { decodeToRgb } from "../preprocess/load-image.js";
import { fetchImage } from "./fetch-image.js";

/** A Blob or File, where the platform has them (browsers, Node >= 18). */
export interface BlobLike {
  arrayBuffer(): Promise<ArrayBuffer>;
  readonly size: number;
  readonly type: string;
  /** File objects have a name; it becomes the result's `file`. */
  readonly name?: string;
}

export type ImageSource = string | ImageInput | Uint8Array | ArrayBuffer | BlobLike;

export interface LoadOptions {
  /** Apply the EXIF/XMP orientation to encoded images, like load_image (default true). */
  exifTranspose?: boolean;
  /** Refuse larger images from their header, before decoding (default Pillow's 89,478,485). */
  maxPixels?: number;
  /** Seconds to wait for a URL's server (load_image's `timeout`); the loader's default when absent. */
  timeout?: number;
}

/** Reads the bytes a string names (a path, a URL); registered by a platform entry (src/node/setup.ts in Node). */
export type ImageLoader = (source: string, options: LoadOptions) => Promise<Uint8Array>;

let loader: ImageLoader | null = null;

export function setImageLoader(l: ImageLoader | null): void {
  loader = l;
}

/** The name a source is reported under: its path or URL, a File's name, else "image <index>". */
export function sourceName(source: ImageSource, index: number): string {
  if (typeof source === "string") return source.startsWith("data:") ? `image ${index} (data URL)` : source;
  if (isBlob(source) && typeof source.name === "string" && source.name !== "") return source.name;
  return `image ${index}`;
}

function isBlob(source: unknown): source is BlobLike {
  return (
    typeof source === "object" &&
    source !== null &&
    typeof (source as BlobLike).arrayBuffer === "function" &&
    typeof (source as BlobLike).size === "number"
  );
}

/** load_image's base64 forms: "data:image/...;base64,...", or a bare base64 string that is no path. */
function base64Payload(source: string): string | null {
  if (source.startsWith("data:image/")) {
    const comma = source.indexOf(",");
    return comma < 0 ? "" : source.slice(comma + 1);
  }
  return null;
}

function decodeBase64(text: string, name: string): Uint8Array {
  // base64.b64decode(validate=True): only the alphabet and trailing padding
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new Error(`${name}: the data URL is not valid base64`);
  }
  const binary = atob(clean);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The raw material of one source: encoded bytes to decode (their decoder loaded), or pixels in memory. */
export async function readSource(
  source: ImageSource,
  name: string,
  options: LoadOptions = {},
): Promise<Uint8Array | ImageInput> {
  const raw = await readRaw(source, name, options);
  if (raw instanceof Uint8Array) await loadImageDecoders(raw);
  return raw;
}

async function readRaw(source: ImageSource, name: string, options: LoadOptions): Promise<Uint8Array | ImageInput> {
  if (typeof source === "string") {
    const payload = base64Payload(source);
    if (payload !== null) return decodeBase64(payload, name);
    if (!loader) return fetchImage(source, options.timeout);
    return loader(source, options);
  }
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (isBlob(source)) return new Uint8Array(await source.arrayBuffer());
  return source;
}

/** One source -> the RGB image load_image gives (decoded, orientation applied, convert("RGB")). */
export async function loadSource(source: ImageSource, name: string, options: LoadOptions = {}): Promise<RgbImage> {
  const raw = await readSource(source, name, options);
  return toRgb(raw, name, options);
}

/** Encoded bytes or in-memory pixels -> RGB (synchronous: the decoding half of loadSource). */
export function toRgb(raw: Uint8Array | ImageInput, name: string, options: LoadOptions = {}): RgbImage {
  if (raw instanceof Uint8Array) {
    return decodeToRgb(raw, { source: name, exifTranspose: options.exifTranspose, maxPixels: options.maxPixels });
  }
  return toRgbImage(raw, name);
}
