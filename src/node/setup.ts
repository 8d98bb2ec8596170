// What the Node entry points (the library's index and the CLI) plug into the browser-safe core:
// model references resolved as directories or hub ids through the Hugging Face cache, image sources read
// from files and URLs, every image decoder, and the worker-thread kernels (CONVNEXT_BACKEND / CONVNEXT_THREADS).
import "./backend-env.js";
import { resolveModel } from "./hub.js";
import { nodeImageLoader } from "./image-loader.js";
import { setModelResolver } from "../pretrained/resolve-model.js";
import { setImageLoader } from "../pipelines/image-source.js";
import { decodeBmp } from "../preprocess/bmp.js";
import { registerImageDecoders } from "../preprocess/decode.js";
import { decodeGif } from "../preprocess/gif.js";

// the hub options fromPretrained shares with the browser; the cache's own come from the environment
setModelResolver((ref, { revision, endpoint, token, offline, onProgress }) =>
  resolveModel(ref, { revision, endpoint, token, offline, onProgress }),
);
setImageLoader(nodeImageLoader);
registerImageDecoders({ BMP: decodeBmp, GIF: decodeGif });
