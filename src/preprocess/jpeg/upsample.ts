// Chroma upsampling exactly as libjpeg-turbo 2.1 chooses it (jdsample.c jinit_upsampler) with default settings:
// "fancy" triangle filters for 2:1 horizontal (h2v1), 2:1 both ways (h2v2) and 2:1 vertical (h1v2), box
// replication when a 2:1 component is at most 2 samples wide or for other integral ratios. Rows above the first
// and below the last sample row repeat that row, as jdmainct.c's context pointers do.

import { JpegError } from "./error.js";
import type { Component } from "./frame.js";

type Method = "full" | "h2v1Fancy" | "h1v2Fancy" | "h2v2Fancy" | "box";

/** Produces one output-resolution row of a component at a time. */
export class ComponentRows {
  private readonly method: Method;
  private readonly hExpand: number;
  private readonly vExpand: number;
  private readonly buffer: Uint8Array;
  private readonly colsum: Int32Array;

  /**
   * plane: IDCT samples of the component, `stride` per row; only the first width x height are image data.
   * outWidth: the image width, the number of samples every row must provide.
   */
  constructor(
    readonly component: Component,
    readonly plane: Uint8Array,
    readonly stride: number,
    maxH: number,
    maxV: number,
    outWidth: number,
    source: string,
  ) {
    const { h, v, width } = component;
    this.hExpand = maxH / h;
    this.vExpand = maxV / v;
    if (h === maxH && v === maxV) this.method = "full";
    else if (h * 2 === maxH && v === maxV) this.method = width > 2 ? "h2v1Fancy" : "box";
    else if (h === maxH && v * 2 === maxV) this.method = "h1v2Fancy";
    else if (h * 2 === maxH && v * 2 === maxV) this.method = width > 2 ? "h2v2Fancy" : "box";
    else if (maxH % h === 0 && maxV % v === 0) this.method = "box";
    else throw new JpegError(source, `fractional sampling not implemented yet (${h}x${v} in ${maxH}x${maxV})`);
    // Fancy h2 filters write 2 * width samples; box writes hExpand * width: both cover outWidth.
    this.buffer = new Uint8Array(Math.max(outWidth, width * this.hExpand) + 16);
    this.colsum = new Int32Array(width);
  }

  /** Returns [array, offset] of row `y` (output resolution) with at least outWidth samples. */
  row(y: number): [Uint8Array, number] {
    const { plane, stride, component } = this;
    const width = component.width;
    const lastRow = component.height - 1;
    const out = this.buffer;
    switch (this.method) {
      case "full":
        return [plane, y * stride];
      case "box": {
        const src = Math.floor(y / this.vExpand) * stride;
        const e = this.hExpand;
        let o = 0;
        for (let x = 0; x < width; x++) {
          const value = plane[src + x];
          for (let k = 0; k < e; k++) out[o++] = value;
        }
        return [out, 0];
      }
      case "h2v1Fancy": {
        const src = y * stride;
        h2v1Fancy(out, plane, src, width);
        return [out, 0];
      }
      case "h1v2Fancy": {
        const i = y >> 1;
        const near = i * stride;
        const below = (y & 1) === 1;
        const far = (below ? Math.min(i + 1, lastRow) : Math.max(i - 1, 0)) * stride;
        // Rows are 3/4 nearer + 1/4 further; the bias alternates 1, 2 so halves do not all round up.
        const bias = below ? 2 : 1;
        for (let x = 0; x < width; x++) out[x] = (plane[near + x] * 3 + plane[far + x] + bias) >> 2;
        return [out, 0];
      }
      case "h2v2Fancy": {
        const i = y >> 1;
        const near = i * stride;
        const below = (y & 1) === 1;
        const far = (below ? Math.min(i + 1, lastRow) : Math.max(i - 1, 0)) * stride;
        const colsum = this.colsum;
        for (let x = 0; x < width; x++) colsum[x] = plane[near + x] * 3 + plane[far + x];
        h2v2FancyRow(out, colsum, width);
        return [out, 0];
      }
    }
  }
}

/** Horizontal triangle filter: output pixels sit 1/4 and 3/4 between input centres (jdsample.c h2v1_fancy). */
function h2v1Fancy(out: Uint8Array, input: Uint8Array, src: number, width: number): void {
  let value = input[src];
  out[0] = value;
  out[1] = (value * 3 + input[src + 1] + 2) >> 2;
  let o = 2;
  for (let x = 1; x < width - 1; x++) {
    value = input[src + x] * 3;
    out[o++] = (value + input[src + x - 1] + 1) >> 2;
    out[o++] = (value + input[src + x + 1] + 2) >> 2;
  }
  value = input[src + width - 1];
  out[o++] = (value * 3 + input[src + width - 2] + 1) >> 2;
  out[o] = value;
}

/** Horizontal pass of the 2-D triangle filter over column sums (3 * near row + far row), /16 with biases 8 and 7. */
function h2v2FancyRow(out: Uint8Array, colsum: Int32Array, width: number): void {
  let thisSum = colsum[0];
  let nextSum = colsum[1];
  out[0] = (thisSum * 4 + 8) >> 4;
  out[1] = (thisSum * 3 + nextSum + 7) >> 4;
  let lastSum = thisSum;
  thisSum = nextSum;
  let o = 2;
  for (let x = 2; x < width; x++) {
    nextSum = colsum[x];
    out[o++] = (thisSum * 3 + lastSum + 8) >> 4;
    out[o++] = (thisSum * 3 + nextSum + 7) >> 4;
    lastSum = thisSum;
    thisSum = nextSum;
  }
  out[o++] = (thisSum * 3 + lastSum + 8) >> 4;
  out[o] = (thisSum * 4 + 7) >> 4;
}
