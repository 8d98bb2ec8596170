// ConvNextImageProcessor as users get it: src/preprocess's processor plus from_pretrained, which reads
// preprocessor_config.json from a model reference (a hub id, a directory's URL or path, or any ModelFiles).

import { ConvNextImageProcessor as Processor } from "../preprocess/image-processor.js";
import type { HubOptions } from "./hub-options.js";
import { readJson } from "./model-files.js";
import { resolveModelFiles, type ModelReference } from "./resolve-model.js";

export class ConvNextImageProcessor extends Processor {
  static async fromPretrained(ref: ModelReference, options: HubOptions = {}): Promise<ConvNextImageProcessor> {
    const files = await resolveModelFiles(ref, options);
    const file = "preprocessor_config.json";
    const json = await readJson(files, file, "a ConvNeXT image processor needs preprocessor_config.json");
    return ConvNextImageProcessor.fromConfig(json, files.describe(file));
  }
}
