// ConvNextImageProcessor as users get it: src/preprocess's processor plus from_pretrained, which reads
// preprocessor_config.json from a model reference (a directory or hub id in Node, or any ModelFiles).

import { ConvNextImageProcessor as Processor } from "../preprocess/image-processor.js";
import { readJson, resolveModelFiles, type ModelFiles } from "./model-files.js";

export class ConvNextImageProcessor extends Processor {
  static async fromPretrained(ref: string | ModelFiles): Promise<ConvNextImageProcessor> {
    const files = await resolveModelFiles(ref);
    const file = "preprocessor_config.json";
    const json = await readJson(files, file, "a ConvNeXT image processor needs preprocessor_config.json");
    return ConvNextImageProcessor.fromConfig(json, files.describe(file));
  }
}
