// Decoded images as Pillow holds them: a mode (Pillow's name) and interleaved pixels.
// Decoders produce these; `toRgb` (Pillow's convert("RGB")) and the processor consume them.

/** Pillow modes that decoders here can produce. */
export type ImageMode = "1" | "L" | "LA" | "P" | "PA" | "RGB" | "RGBA" | "CMYK" | "I";

export interface DecodedImage {
  width: number;
  height: number;
  mode: ImageMode;
  /** Interleaved row-major pixels, `channelsOf(mode)` values each; mode "I" is Int32Array (16-bit PNG grey). */
  data: Uint8Array | Int32Array;
  /** Mode "P"/"PA": RGB palette entries, 3 bytes each. */
  palette?: Uint8Array;
  /** Raw EXIF (TIFF) bytes, if the file carries them. */
  exif?: Uint8Array;
  /** XMP packet text, if the file carries one (Pillow reads an orientation from it when there is no EXIF). */
  xmp?: string;
}

/** An 8-bit RGB image, HxWx3 interleaved: what the HF pipeline hands ConvNextImageProcessor. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export function channelsOf(mode: ImageMode): number {
  switch (mode) {
    case "1":
    case "L":
    case "P":
    case "I":
      return 1;
    case "LA":
    case "PA":
      return 2;
    case "RGB":
      return 3;
    case "RGBA":
    case "CMYK":
      return 4;
  }
}

/** Pillow's default decompression-bomb limit (Image.MAX_IMAGE_PIXELS): 89,478,485 pixels. */
export const DEFAULT_MAX_PIXELS = 89_478_485;
