// The one error type of image decoding: the message always starts with the file (or buffer) it is about.

export class ImageDecodeError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = "ImageDecodeError";
  }
}
