// From coefficients to Pillow's pixels: IDCT every block into component planes, then upsample and colour-convert
// one output row at a time (libjpeg's output pass), in the colour space libjpeg infers (jdapimin.c
// default_decompress_parms) and the mode Pillow gives the image.

import type { ImageMode } from "../image.js";
import { interleaveRow, yccToRgbRow, ycckToInvertedCmykRow } from "./color.js";
import type { Component, Frame } from "./frame.js";
import { idctIslow } from "./idct.js";
import { ComponentRows } from "./upsample.js";

export type ColorSpace = "gray" | "ycc" | "rgb" | "cmyk" | "ycck";

export function colorSpaceOf(frame: Frame, sawJfif: boolean, adobeTransform: number): ColorSpace {
  const n = frame.components.length;
  if (n === 1) return "gray";
  if (n === 3) {
    if (sawJfif) return "ycc";
    if (adobeTransform >= 0) return adobeTransform === 0 ? "rgb" : "ycc";
    const [a, b, c] = frame.components.map((comp) => comp.id);
    return a === 82 && b === 71 && c === 66 ? "rgb" : "ycc";
  }
  return adobeTransform >= 0 && adobeTransform !== 0 ? "ycck" : "cmyk";
}

/** IDCT of every block of a component into a plane of blocksPerLine*8 x blocksPerColumn*8 samples. */
export function componentPlane(component: Component): Uint8Array {
  const stride = component.blocksPerLine * 8;
  const plane = new Uint8Array(stride * component.blocksPerColumn * 8);
  const quant = Int32Array.from(component.quant ?? new Uint16Array(64));
  const workspace = new Int32Array(64);
  const coefs = component.coefs;
  // Only blocks that hold image samples are transformed; the padding blocks are never output.
  for (let by = 0; by < component.heightInBlocks; by++) {
    for (let bx = 0; bx < component.widthInBlocks; bx++) {
      const block = (by * component.blocksPerLine + bx) * 64;
      idctIslow(plane, by * 8 * stride + bx * 8, stride, coefs, block, quant, workspace);
    }
  }
  return plane;
}

export function modeOf(space: ColorSpace): ImageMode {
  return space === "gray" ? "L" : space === "cmyk" || space === "ycck" ? "CMYK" : "RGB";
}

export function renderImage(frame: Frame, space: ColorSpace, planes: Uint8Array[], source: string): Uint8Array {
  const { width, height } = frame;
  const channels = space === "gray" ? 1 : space === "cmyk" || space === "ycck" ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  const sources = frame.components.map(
    (c, i) => new ComponentRows(c, planes[i], c.blocksPerLine * 8, frame.maxH, frame.maxV, width, source),
  );
  const rowBytes = width * channels;
  for (let y = 0; y < height; y++) {
    const rows = sources.map((s) => s.row(y));
    const o = y * rowBytes;
    if (space === "ycc") {
      yccToRgbRow(out, o, rows[0][0], rows[0][1], rows[1][0], rows[1][1], rows[2][0], rows[2][1], width);
    } else if (space === "ycck") {
      ycckToInvertedCmykRow(out, o, rows, width);
    } else {
      interleaveRow(out, o, rows, width, space === "cmyk");
    }
  }
  return out;
}
