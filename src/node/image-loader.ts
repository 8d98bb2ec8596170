// The Node loader for string image sources (registered by setup.ts): a file path or a file:// URL.

import { fileURLToPath } from "node:url";
import type { ImageLoader } from "../pipelines/image-source.js";
import { readBytes } from "./files.js";

export const nodeImageLoader: ImageLoader = async (source) => {
  if (source.startsWith("file:")) {
    let path: string;
    try {
      path = fileURLToPath(source);
    } catch (e) {
      throw new Error(`${source}: not a valid file URL (${(e as Error).message})`);
    }
    return readBytes(path, source);
  }
  return readBytes(source);
};
