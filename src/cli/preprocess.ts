// `convnext preprocess`: image files -> the pixel_values tensor transformers (or, for a timm checkpoint, timm)
// would compute, as safetensors.

import { writeFileAtomic } from "../node/files.js";
import { serializeSafetensors } from "../io/safetensors.js";
import { loadImageProcessor } from "../pretrained/image-processor.js";
import { TimmImageProcessor } from "../preprocess/timm-transform.js";
import { expandInputs } from "../node/image-files.js";
import { loadSource } from "../pipelines/image-source.js";
import { parseCommandLine, requireOption, CliError, MODEL_HELP, type Command } from "./command.js";
import { INPUTS_HELP, parseMaxPixels } from "./image-options.js";

const help = `usage: convnext preprocess --model REF INPUTS... --output PV.safetensors [options]

Loads each image like transformers' load_image (EXIF orientation applied, converted to RGB) and runs
ConvNextImageProcessor with DIR/preprocessor_config.json; writes "pixel_values" (float32 [N, 3, H, W]),
the tensor transformers v4.37.2 gives for the same files. For a timm checkpoint (config.json with
"architecture"): timm's eval transform from its pretrained_cfg (resolve_data_config + create_transform),
on images opened like timm does (convert("RGB"), no EXIF orientation).

${INPUTS_HELP}

  --model REF            ${MODEL_HELP} (its preprocessor_config.json, or a timm config.json)
  --output FILE          safetensors file to write (atomically)
  --channels-last        write [N, H, W, 3] instead of [N, 3, H, W]
  --no-exif-transpose    ignore EXIF orientation (what a bare Image.open gives)
  --max-pixels N         refuse larger images before decoding (default 89478485, Pillow's limit)`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      model: { type: "string" },
      output: { type: "string" },
      "channels-last": { type: "boolean", default: false },
      "no-exif-transpose": { type: "boolean", default: false },
      "max-pixels": { type: "string" },
    },
    true,
  );
  const modelDir = requireOption(values.model, "--model");
  const output = requireOption(values.output, "--output");
  if (positionals.length === 0) throw new CliError("no images given");
  const maxPixels = parseMaxPixels(values["max-pixels"]);
  const processor = await loadImageProcessor(modelDir);
  const exifTranspose = !values["no-exif-transpose"] && !(processor instanceof TimmImageProcessor);
  const images = [];
  for (const input of await expandInputs(positionals))
    images.push(await loadSource(input, input, { exifTranspose, maxPixels }));
  const { pixelValues } = processor.preprocess(images, {
    dataFormat: values["channels-last"] ? "channels_last" : "channels_first",
  });
  await writeFileAtomic(output, serializeSafetensors([["pixel_values", pixelValues]]));
  console.error(`wrote pixel_values [${pixelValues.shape.join(", ")}] to ${output}`);
  return 0;
}

const command: Command = { help, run };
export default command;
