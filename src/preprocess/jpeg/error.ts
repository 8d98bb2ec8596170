// Every JPEG failure is a JpegError (an ImageDecodeError) whose message starts with the file name, so a batch run
// says which file is bad.

import { ImageDecodeError } from "../errors.js";

export class JpegError extends ImageDecodeError {
  constructor(source: string, reason: string) {
    super(source, reason);
    this.name = "JpegError";
  }
}

/** Pillow's wording for data that ends before the image is complete (ImageFile.load). */
export const TRUNCATED = "image file is truncated";
