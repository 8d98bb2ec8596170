// Test-only PNG writer: a PNG from an IHDR description and an already-deflated IDAT, with correct CRCs.
import { crc32 } from "node:zlib";

/** A PNG from parts, with correct CRCs. */
export function png(
  ihdr: { width: number; height: number; depth?: number; colour?: number },
  idat: Uint8Array,
  extra: Uint8Array[] = [],
) {
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const h = new Uint8Array(13);
  const hv = new DataView(h.buffer);
  hv.setUint32(0, ihdr.width);
  hv.setUint32(4, ihdr.height);
  h[8] = ihdr.depth ?? 8;
  h[9] = ihdr.colour ?? 2;
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", h),
    ...extra.map((e) => chunk(String.fromCharCode(...e.subarray(0, 4)), e.subarray(4))),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
