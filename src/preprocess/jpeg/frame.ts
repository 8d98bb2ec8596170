// The frame (SOF) and scan (SOS) descriptions shared by every stage, with the geometry libjpeg derives from them.

export interface Component {
  /** Component identifier from the SOF (1, 2, 3 or 'R', 'G', 'B' ...). */
  id: number;
  index: number;
  h: number;
  v: number;
  /** Quantization table slot named by the SOF. */
  quantSlot: number;
  /** Copy of the quantization table (natural order) taken when the component first appears in a scan. */
  quant: Uint16Array | null;
  /** Samples in this component: ceil(imageWidth * h / maxH) (libjpeg's downsampled_width). */
  width: number;
  height: number;
  /** Blocks that carry image data in a non-interleaved scan. */
  widthInBlocks: number;
  heightInBlocks: number;
  /** Blocks allocated: padded to whole MCUs, as in an interleaved scan. */
  blocksPerLine: number;
  blocksPerColumn: number;
  /** Dequantized-later coefficients, 64 per block, natural order; int16 like libjpeg's JCOEF. */
  coefs: Int16Array;
}

export interface Frame {
  progressive: boolean;
  arithmetic: boolean;
  width: number;
  height: number;
  components: Component[];
  maxH: number;
  maxV: number;
  mcusPerLine: number;
  mcusPerColumn: number;
}

export interface Scan {
  components: Component[];
  dcTableSlots: number[];
  acTableSlots: number[];
  ss: number;
  se: number;
  ah: number;
  al: number;
}

export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** Geometry of every component once the SOF is known (libjpeg's jdinput.c initial_setup). */
export function layoutFrame(frame: Frame): void {
  let maxH = 1;
  let maxV = 1;
  for (const c of frame.components) {
    maxH = Math.max(maxH, c.h);
    maxV = Math.max(maxV, c.v);
  }
  frame.maxH = maxH;
  frame.maxV = maxV;
  frame.mcusPerLine = ceilDiv(frame.width, 8 * maxH);
  frame.mcusPerColumn = ceilDiv(frame.height, 8 * maxV);
  for (const c of frame.components) {
    c.width = ceilDiv(frame.width * c.h, maxH);
    c.height = ceilDiv(frame.height * c.v, maxV);
    c.widthInBlocks = ceilDiv(c.width, 8);
    c.heightInBlocks = ceilDiv(c.height, 8);
    c.blocksPerLine = frame.mcusPerLine * c.h;
    c.blocksPerColumn = frame.mcusPerColumn * c.v;
  }
}
