// The image processors as users get them: src/preprocess's processors plus from_pretrained, which reads
// preprocessor_config.json (HF) or a timm config.json's pretrained_cfg from a model reference (a hub id, a
// directory's URL or path, or any ModelFiles).

import { ConvNextImageProcessor as Processor } from "../preprocess/image-processor.js";
import type { TimmImageProcessor } from "../preprocess/timm-transform.js";
import type { HubOptions } from "./hub-options.js";
import { parseJson, readJson } from "./model-files.js";
import { resolveModelFiles, type ModelReference } from "./resolve-model.js";
import { isTimmConfig } from "./config-kind.js";

/** Either library's eval preprocessing. */
export type ImageProcessor = ConvNextImageProcessor | TimmImageProcessor;

/**
 * The preprocessing a model was made with, like AutoImageProcessor / timm's resolve_data_config +
 * create_transform: timm's transform for a timm checkpoint, else preprocessor_config.json.
 */
export async function loadImageProcessor(ref: ModelReference, options: HubOptions = {}): Promise<ImageProcessor> {
  const files = await resolveModelFiles(ref, options);
  const config = await files.read("config.json");
  if (config) {
    const where = files.describe("config.json");
    const json = parseJson(config, where);
    if (isTimmConfig(json)) {
      // timm's transform and registry are loaded for timm checkpoints only
      const [{ TimmImageProcessor }, { parseTimmConfig }] = await Promise.all([import("../preprocess/timm-transform.js"), import("./timm-config.js")]); // prettier-ignore
      return TimmImageProcessor.fromPretrainedCfg(parseTimmConfig(json, where).pretrainedCfg, `${where} pretrained_cfg`); // prettier-ignore
    }
  }
  return ConvNextImageProcessor.fromPretrained(files);
}

export class ConvNextImageProcessor extends Processor {
  static async fromPretrained(ref: ModelReference, options: HubOptions = {}): Promise<ConvNextImageProcessor> {
    const files = await resolveModelFiles(ref, options);
    const file = "preprocessor_config.json";
    const json = await readJson(files, file, "a ConvNeXT image processor needs preprocessor_config.json");
    return ConvNextImageProcessor.fromConfig(json, files.describe(file));
  }
}
