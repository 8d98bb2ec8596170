// EXIF orientation the way Pillow 9.4 finds and applies it (`ImageOps.exif_transpose`, which the HF
// pipelines' `load_image` calls): the Orientation tag (0x0112) of IFD0 of the EXIF block, else, when the
// EXIF block has no such tag, a `tiff:Orientation` in the PNG's XMP text; then one of 8 transposes.

import type { DecodedImage } from "./image.js";

/** Bytes per value of each TIFF field type Pillow's ImageFileDirectory_v2 knows (others are skipped). */
const TYPE_SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
  16: 8,
};

/**
 * IFD0's Orientation as Pillow's Exif mapping would return it: `undefined` when the tag is absent, else
 * its (first) numeric value, or NaN when present but not numeric (BYTE/ASCII/UNDEFINED types give Python
 * bytes or str, which match no orientation; the tag still counts as present, so XMP is not consulted).
 */
export function readExifOrientation(tiff: Uint8Array): number | undefined {
  if (tiff.length < 8) return undefined;
  let little: boolean;
  if (tiff[0] === 0x49 && tiff[1] === 0x49) little = true;
  else if (tiff[0] === 0x4d && tiff[1] === 0x4d) little = false;
  else return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  // Pillow accepts the magic 42 in either byte order. BigTIFF headers make its Exif.load raise, and a
  // header it rejects makes load_image fail; we read no orientation from either instead.
  const magic = view.getUint16(2, little);
  if (magic !== 0x2a && magic !== 0x2a00) return undefined;
  const u16 = (o: number) => view.getUint16(o, little);
  const u32 = (o: number) => view.getUint32(o, little);
  const offset = u32(4);
  if (offset + 2 > tiff.length) return undefined;
  const count = u16(offset);
  let result: number | undefined;
  // At most 65535 entries, and the loop stops at the end of the data: bounded by the input size.
  for (let i = 0; i < count; i++) {
    const e = offset + 2 + i * 12;
    // A truncated IFD ends the read; tags already read are kept (Pillow warns and returns).
    if (e + 12 > tiff.length) break;
    const tag = u16(e);
    const type = u16(e + 2);
    const unit = TYPE_SIZE[type];
    if (unit === undefined) continue;
    const size = u32(e + 4) * unit;
    let at = e + 8;
    if (size > 4) {
      at = u32(at);
      // Out-of-range data: Pillow's _safe_read raises, which ends the whole IFD read.
      if (at + size > tiff.length) break;
    }
    if (size === 0) continue;
    if (tag === 0x0112) result = firstValue(view, at, type, little);
  }
  return result;
}

function firstValue(view: DataView, at: number, type: number, little: boolean): number {
  switch (type) {
    case 3:
      return view.getUint16(at, little);
    case 4:
    case 13:
      return view.getUint32(at, little);
    case 16:
      return Number(view.getBigUint64(at, little));
    case 6:
      return view.getInt8(at);
    case 8:
      return view.getInt16(at, little);
    case 9:
      return view.getInt32(at, little);
    case 11:
      return view.getFloat32(at, little);
    case 12:
      return view.getFloat64(at, little);
    case 5:
    case 10: {
      const num = type === 5 ? view.getUint32(at, little) : view.getInt32(at, little);
      const den = type === 5 ? view.getUint32(at + 4, little) : view.getInt32(at + 4, little);
      return den === 0 ? NaN : num / den;
    }
    default:
      return NaN; // BYTE, ASCII, UNDEFINED
  }
}

/** Pillow's `getexif().get(0x0112)`: the EXIF tag, else (only if the tag is absent) XMP `tiff:Orientation`. */
export function orientationOf(image: Pick<DecodedImage, "exif" | "xmp">): number | undefined {
  const fromExif = image.exif ? readExifOrientation(image.exif) : undefined;
  if (fromExif !== undefined) return fromExif;
  if (image.xmp) {
    const m = /tiff:Orientation(="|>)([0-9])/.exec(image.xmp);
    if (m) return Number(m[2]);
  }
  return undefined;
}

/**
 * Applies the transpose for an EXIF orientation (2..8) to interleaved pixels; anything else is identity.
 * Names follow Pillow's Image.Transpose: 6 = ROTATE_270 (90 degrees clockwise), 8 = ROTATE_90.
 */
export function transposeForOrientation<T extends Uint8Array | Int32Array>(
  data: T, // [height, width, channels]
  width: number,
  height: number,
  channels: number,
  orientation: number | undefined,
): { data: T; width: number; height: number } {
  if (orientation === undefined || !Number.isInteger(orientation) || orientation < 2 || orientation > 8) {
    return { data, width, height };
  }
  const swap = orientation >= 5;
  const outW = swap ? height : width;
  const outH = swap ? width : height;
  const out = new (data.constructor as { new (n: number): T })(data.length);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: // FLIP_LEFT_RIGHT
          [sx, sy] = [width - 1 - x, y];
          break;
        case 3: // ROTATE_180
          [sx, sy] = [width - 1 - x, height - 1 - y];
          break;
        case 4: // FLIP_TOP_BOTTOM
          [sx, sy] = [x, height - 1 - y];
          break;
        case 5: // TRANSPOSE
          [sx, sy] = [y, x];
          break;
        case 6: // ROTATE_270: clockwise
          [sx, sy] = [y, height - 1 - x];
          break;
        case 7: // TRANSVERSE
          [sx, sy] = [width - 1 - y, height - 1 - x];
          break;
        default: // 8, ROTATE_90: counter-clockwise
          [sx, sy] = [width - 1 - y, x];
          break;
      }
      const o = (y * outW + x) * channels;
      const s = (sy * width + sx) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = data[s + c];
    }
  }
  return { data: out, width: outW, height: outH };
}
