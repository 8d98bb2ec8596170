// Every JPEG failure is a JpegError whose message starts with the file name, so a batch run says which file is bad.

export class JpegError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = "JpegError";
  }
}

/** Pillow's wording for data that ends before the image is complete (ImageFile.load). */
export const TRUNCATED = "image file is truncated";
