// `convnext explain`: why did the model choose that label? Grad-CAM on the last stage for one image, drawn
// over the image the model saw (after resize and centre crop) and saved with the raw map.

import { serializeNpy } from "../io/npy.js";
import { loadImage } from "../node/load-image.js";
import { writeFileAtomic } from "../node/files.js";
import { encodePng } from "../node/png-encode.js";
import { softmax } from "../ops/softmax.js";
import { ConvNextImageProcessor } from "../pretrained/image-processor.js";
import type { ConvNextForImageClassification } from "../model/classification.js";
import { trainingKernels } from "../train/fast-kernels.js";
import { gradCam, gradCamOverlay } from "../train/gradcam.js";
import { CliError, parseCommandLine, requireOption, type Command } from "./command.js";
import { applyRunOptions, RUN_HELP, RUN_OPTIONS } from "./run-options.js";
import { loadModel } from "./load-model.js";

const help = `usage: convnext explain --model REF IMG --output cam.png [--target LABEL]

Grad-CAM (Selvaraju et al.) of a classifier's decision for one image: the last stage's feature maps weighted
by the mean gradient of the target's logit, through a ReLU. Writes the map upsampled onto the preprocessed
image (what the model saw, after resize and centre crop) as a jet heatmap blended with it, and the raw map
(the last stage's h x w, float32, no normalisation) as a .npy beside it (cam.png -> cam.npy).

  --model REF          classification model directory or hub id (with preprocessor_config.json)
  --output FILE.png    the overlay picture
  --target LABEL       a label of config.json's id2label, or a class index (default: the predicted class)
${RUN_HELP}`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    { model: { type: "string" }, output: { type: "string" }, target: { type: "string" }, ...RUN_OPTIONS },
    true,
  );
  applyRunOptions(values);
  const modelRef = requireOption(values.model, "--model");
  const output = requireOption(values.output, "--output");
  if (positionals.length !== 1) throw new CliError(`explain takes one image, got ${positionals.length}`);
  if (!output.toLowerCase().endsWith(".png")) throw new CliError(`--output must be a .png file, got "${output}"`);
  const { model: loaded, files, task } = await loadModel(modelRef, "classification", { training: true });
  const model = loaded as ConvNextForImageClassification;
  if (task !== "classification" || !model.classifier) throw new CliError(`${modelRef}: not a classifier (num_labels = 0)`); // prettier-ignore
  const { id2label } = model.config;
  let target: number | undefined;
  if (values.target !== undefined) {
    const byName = Object.entries(id2label).find(([, l]) => l === values.target);
    const index = Number(values.target);
    target = byName ? Number(byName[0]) : Number.isInteger(index) && index in id2label ? index : undefined;
    if (target === undefined) throw new CliError(`--target "${values.target}" is neither a label of id2label nor a class index`); // prettier-ignore
  }
  const processor = await ConvNextImageProcessor.fromPretrained(files);
  const image = processor.prepare(await loadImage(positionals[0]), positionals[0]);
  const pixelValues = processor.stack([image]);
  const cam = gradCam(model, pixelValues, { target: target === undefined ? undefined : [target], kernels: trainingKernels() }); // prettier-ignore
  const [, h, w] = cam.cam.shape;
  const picture = gradCamOverlay(cam.cam.data, h, w, image);
  const npyPath = output.replace(/\.png$/i, ".npy");
  await writeFileAtomic(output, encodePng(picture));
  await writeFileAtomic(npyPath, serializeNpy({ dtype: "float32", data: cam.cam.data, shape: [h, w] }));
  const probs = new Float32Array(cam.logits.size);
  softmax(probs, cam.logits.data, 1, probs.length);
  const t = cam.target[0];
  console.log(`${positionals[0]}: Grad-CAM of "${id2label[t]}" (class ${t}, p = ${probs[t].toFixed(4)}), ${h}x${w} map`); // prettier-ignore
  console.error(`wrote ${output} (${picture.width}x${picture.height}) and ${npyPath}`);
  return 0;
}

const command: Command = { help, run };
export default command;
