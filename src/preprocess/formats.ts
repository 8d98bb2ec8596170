// Image formats this engine does not decode, recognised by their magic bytes so that the error names the
// format the file is in (a .jpg that is really a WebP says so), rather than "unknown format".

const ascii = (bytes: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...bytes.subarray(at, at + length));

const SIGNATURES: Array<[string, (b: Uint8Array) => boolean]> = [
  ["WebP", (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP"],
  ["TIFF", (b) => ["II*\0", "MM\0*", "II+\0", "MM\0+"].includes(ascii(b, 0, 4))],
  ["AVIF", (b) => ascii(b, 4, 4) === "ftyp" && ["avif", "avis"].includes(ascii(b, 8, 4))],
  [
    "HEIF/HEIC",
    (b) =>
      ascii(b, 4, 4) === "ftyp" && ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].includes(ascii(b, 8, 4)),
  ],
  [
    "JPEG 2000",
    (b) => ascii(b, 4, 8) === "jP  \r\n\x87\n" || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51),
  ],
  ["JPEG XL", (b) => (b[0] === 0xff && b[1] === 0x0a) || ascii(b, 4, 8) === "JXL \r\n\x87\n"],
  ["ICO", (b) => b[0] === 0 && b[1] === 0 && (b[2] === 1 || b[2] === 2) && b[3] === 0 && b.length > 6],
  ["Photoshop (PSD)", (b) => ascii(b, 0, 4) === "8BPS"],
  ["QOI", (b) => ascii(b, 0, 4) === "qoif"],
  ["OpenEXR", (b) => b[0] === 0x76 && b[1] === 0x2f && b[2] === 0x31 && b[3] === 0x01],
  ["Radiance HDR", (b) => ascii(b, 0, 10) === "#?RADIANCE" || ascii(b, 0, 6) === "#?RGBE"],
  ["DDS", (b) => ascii(b, 0, 4) === "DDS "],
  ["PNM (PBM/PGM/PPM)", (b) => b[0] === 0x50 && b[1] >= 0x31 && b[1] <= 0x37 && /\s/.test(String.fromCharCode(b[2]))],
  ["PDF", (b) => ascii(b, 0, 5) === "%PDF-"],
  [
    "SVG",
    (b) => /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(new TextDecoder().decode(b.subarray(0, 512))),
  ],
  ["HTML", (b) => /^\s*<(!doctype html|html)/i.test(new TextDecoder().decode(b.subarray(0, 64)))],
];

/** The name of a known image (or other) format that is not PNG, JPEG, BMP or GIF, if the bytes are one. */
export function unsupportedFormat(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find(([, test]) => test(bytes))?.[0];
}
