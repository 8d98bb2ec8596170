// A small PNG writer: RGB8 images (Grad-CAM pictures) as signature, IHDR, one zlib-compressed IDAT (node:zlib),
// IEND, each chunk with its CRC-32, filter 0 (none) on every row; and that container for tests' odd PNGs.

import { deflateSync } from "node:zlib";
import { crc32 } from "../preprocess/crc32.js";

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * A PNG from its IHDR fields and an already-deflated IDAT, with `extra` chunks (4 type bytes, then the body)
 * before the IDAT. encodePng's container; tests build odd and hostile PNGs with it.
 */
export function pngFile(
  ihdr: { width: number; height: number; depth?: number; colour?: number },
  idat: Uint8Array,
  extra: Uint8Array[] = [],
): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, ihdr.width);
  view.setUint32(4, ihdr.height);
  header.set([ihdr.depth ?? 8, ihdr.colour ?? 2, 0, 0, 0], 8); // bits, colour type, deflate, filter 0, no interlace
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk("IHDR", header),
    ...extra.map((e) => chunk(String.fromCharCode(...e.subarray(0, 4)), e.subarray(4))),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** PNG bytes of an RGB8 image (data: width * height * 3 bytes, row-major). */
export function encodePng(image: { width: number; height: number; data: Uint8Array }): Uint8Array {
  const { width, height, data } = image;
  if (data.length !== width * height * 3) throw new Error(`encodePng: ${data.length} bytes for a ${width}x${height} RGB image`); // prettier-ignore
  const raw = new Uint8Array(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * 3 * width, (y + 1) * 3 * width), y * (1 + 3 * width) + 1);
  return pngFile({ width, height }, new Uint8Array(deflateSync(raw)));
}
