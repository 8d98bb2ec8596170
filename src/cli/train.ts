// `convnext train`: fine-tunes a classifier on an image folder (one subfolder per class, as torchvision's
// ImageFolder) or on one fixed batch from a safetensors file, and writes a checkpoint transformers loads:
// config.json (the folder's classes as id2label), model.safetensors, preprocessor_config.json, and
// trainer_state.json with a log_history like the HF Trainer's. Ctrl-C saves a checkpoint; --resume continues.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseSafetensors, rawToTensor, serializeSafetensors } from "../io/safetensors.js";
import { parseConvNextConfig, type ConvNextConfig } from "../model/config.js";
import type { ConvNextForImageClassification } from "../model/classification.js";
import type { Labels } from "../model/loss.js";
import type { Parameter } from "../model/module.js";
import { mulberry32 } from "../ops/drop-path.js";
import { exists, readBytes } from "../node/files.js";
import { resolveModel } from "../node/hub.js";
import { readImageFolder } from "../node/image-folder.js";
import { loadImage } from "../node/load-image.js";
import { savePretrained } from "../node/save-pretrained.js";
import { ConvNextImageProcessor } from "../pretrained/image-processor.js";
import { checkpointTensors, createModel, readConfig } from "../pretrained/models.js";
import { readCheckpoint } from "../pretrained/checkpoint.js";
import { loadWeights } from "../pretrained/load-weights.js";
import { isFloatDType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { trainingKernels } from "../train/fast-kernels.js";
import { AdamW, SGD, trainerParamGroups, type Optimizer } from "../train/optimizers.js";
import type { ScheduleName } from "../train/schedule.js";
import { Trainer, type Batch } from "../train/trainer.js";
import { applyRunOptions, RUN_HELP, RUN_OPTIONS } from "./run-options.js";
import { notFloat32 } from "./load-model.js";
import { CliError, parseCommandLine, requireOption, type Command } from "./command.js";

const help = `usage: convnext train --model REF --data DATA --output DIR [options]

Fine-tunes a ConvNeXT / ConvNeXT V2 classifier, forward and backward as PyTorch autograd computes them for
transformers' models, and writes a checkpoint that transformers' from_pretrained loads strictly.

  --model REF            starting checkpoint: directory or hub id (its head is replaced when DATA's classes
                         differ from its id2label: a new nn.Linear initialised like HF, N(0, initializer_range))
  --data DATA            an image folder DATA/<class>/<image>.{png,jpg} (torchvision's ImageFolder: classes
                         sorted by name), or a .safetensors file with "pixel_values" and "labels" used as one
                         fixed batch at every step
  --output DIR           config.json, model.safetensors, preprocessor_config.json, trainer_state.json,
                         optimizer.safetensors (the optimizer's state, for --resume)
  --epochs N | --steps N training length (default: 3 epochs, the HF Trainer's)
  --batch-size N         images per step (default 8)
  --optimizer NAME       adamw (default) | sgd (torch.optim, single-tensor updates)
  --lr X                 learning rate (default 5e-5, the HF Trainer's)
  --momentum X           SGD momentum (default 0, torch's)
  --weight-decay X       decoupled (AdamW) or L2 (SGD) weight decay (default 0)
  --param-groups G       all (default: one group, torch.optim(model.parameters())) | trainer (the HF
                         Trainer's: no decay on biases and the pooler's LayerNorm weight)
  --lr-scheduler S       constant (default) | linear | cosine, after --warmup-steps N of linear warmup
  --freeze-backbone      train the classifier only
  --val-split X          hold out this fraction of an image folder (seeded) for eval_loss / eval_accuracy
                         after every epoch (default 0)
  --seed N               shuffling, the held-out split, a new head's init and drop path (default 42)
  --resume               continue the run saved in --output (weights, optimizer state, step count)
${RUN_HELP}`;

function number(
  value: string | undefined,
  flag: string,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !check(n)) throw new CliError(`${flag} must be ${what}, got "${value}"`);
  return n;
}
const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
const nonNegative = (n: number) => Number.isFinite(n) && n >= 0;

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, {
    model: { type: "string" },
    data: { type: "string" },
    output: { type: "string" },
    epochs: { type: "string" },
    steps: { type: "string" },
    "batch-size": { type: "string" },
    optimizer: { type: "string" },
    lr: { type: "string" },
    momentum: { type: "string" },
    "weight-decay": { type: "string" },
    "param-groups": { type: "string" },
    "lr-scheduler": { type: "string" },
    "warmup-steps": { type: "string" },
    "freeze-backbone": { type: "boolean", default: false },
    "val-split": { type: "string" },
    seed: { type: "string" },
    resume: { type: "boolean", default: false },
    ...RUN_OPTIONS,
  });
  applyRunOptions(values);
  const output = requireOption(values.output, "--output");
  const dataPath = requireOption(values.data, "--data");
  if (!values.resume) requireOption(values.model, "--model");
  if (values.epochs !== undefined && values.steps !== undefined)
    throw new CliError("give --epochs or --steps, not both");
  const epochs = number(values.epochs, "--epochs", 3, positiveInt, "a positive integer");
  const maxSteps = values.steps === undefined ? null : number(values.steps, "--steps", 0, positiveInt, "a positive integer"); // prettier-ignore
  const batchSize = number(values["batch-size"], "--batch-size", 8, positiveInt, "a positive integer");
  const optimizerName = values.optimizer ?? "adamw";
  if (optimizerName !== "adamw" && optimizerName !== "sgd") throw new CliError(`--optimizer must be adamw or sgd, got "${optimizerName}"`); // prettier-ignore
  const lr = number(values.lr, "--lr", 5e-5, (n) => Number.isFinite(n) && n > 0, "a positive number");
  const momentum = number(values.momentum, "--momentum", 0, nonNegative, "a non-negative number");
  const weightDecay = number(values["weight-decay"], "--weight-decay", 0, nonNegative, "a non-negative number");
  const groupsRule = values["param-groups"] ?? "all";
  if (groupsRule !== "all" && groupsRule !== "trainer") throw new CliError(`--param-groups must be all or trainer, got "${groupsRule}"`); // prettier-ignore
  const scheduleName = (values["lr-scheduler"] ?? "constant") as ScheduleName;
  if (!["constant", "linear", "cosine"].includes(scheduleName)) throw new CliError(`--lr-scheduler must be constant, linear or cosine, got "${scheduleName}"`); // prettier-ignore
  const warmupSteps = number(values["warmup-steps"], "--warmup-steps", 0, (n) => Number.isInteger(n) && n >= 0, "a non-negative integer"); // prettier-ignore
  const valSplit = number(values["val-split"], "--val-split", 0, (n) => n >= 0 && n < 1, "in [0, 1)");
  const seed = number(values.seed, "--seed", 42, (n) => Number.isInteger(n) && n >= 0, "a non-negative integer");

  if (values.resume && !(await exists(join(output, "trainer_state.json")))) {
    throw new CliError(`--resume: ${output} has no trainer_state.json (no run to continue)`);
  }

  // the data: a fixed batch, or an image folder split into train / validation
  const fixed = dataPath.endsWith(".safetensors") ? await readFixedBatch(dataPath) : null;
  const folder = fixed ? null : await readImageFolder(dataPath);
  if (folder?.skipped.length) console.error(`warning: skipping ${folder.skipped.length} files that are not PNG or JPEG (e.g. ${folder.skipped[0]})`); // prettier-ignore
  if (fixed && valSplit > 0) throw new CliError("--val-split needs an image folder as --data");

  // the model: from --model (a new head when the classes differ) or, with --resume, from DIR
  const source = values.resume ? output : values.model!;
  const files = await resolveModel(source);
  const config = await readConfig(files);
  const newHead = folder ? setClasses(config, folder.classes) : false;
  const model = createModel(config, "classification") as ConvNextForImageClassification;
  const checkpoint = await readCheckpoint(files);
  // 16-bit weights are upcast (training computes in float32); an int8 checkpoint has no float32 weights
  const int8 = [...checkpoint.tensors].find(([, t]) => t.dtype === "I8");
  if (int8) throw notFloat32(source, int8[0], "I8");
  const tensors = checkpointTensors(checkpoint);
  if (newHead)
    for (const key of [...tensors.keys()]) if (/(^|\.)classifier\.(weight|bias)$/.test(key)) tensors.delete(key);
  loadWeights(model, tensors, { allowMissingHead: newHead, seed, source: files.name, onWarning: (m) => console.error(`warning: ${m}`) }); // prettier-ignore
  for (const [, p] of model.namedParameters()) p.data = p.data.slice(); // own the weights (not the file's bytes)
  if (!model.classifier) throw new CliError(`${source}: a classifier needs num_labels > 0`);
  if (newHead) console.error(`new classification head for ${config.numLabels} classes: ${folder!.classes.join(", ")}`);

  const processorBytes = await files.read("preprocessor_config.json");
  let processor: ConvNextImageProcessor | null = null;
  if (folder) {
    processor = processorBytes
      ? ConvNextImageProcessor.fromConfig(JSON.parse(new TextDecoder().decode(processorBytes)), files.describe("preprocessor_config.json")) // prettier-ignore
      : new ConvNextImageProcessor({ shortestEdge: config.imageSize });
    if (!processorBytes) console.error(`warning: ${source} has no preprocessor_config.json; using ConvNextImageProcessor defaults with shortest_edge ${config.imageSize}`); // prettier-ignore
  }

  // train / validation split of the folder (seeded), batches per epoch
  const samples = folder ? shuffled(folder.samples, mulberry32(seed)) : [];
  const valCount = folder && valSplit > 0 ? Math.max(1, Math.round(samples.length * valSplit)) : 0;
  const valSet = samples.slice(0, valCount);
  const trainSet = samples.slice(valCount);
  if (folder && trainSet.length === 0) throw new CliError(`--val-split ${valSplit} leaves no training images`);
  const stepsPerEpoch = fixed ? 1 : Math.ceil(trainSet.length / batchSize);
  const totalSteps = maxSteps ?? epochs * stepsPerEpoch;

  const params = model.namedParameters().filter(([name]) => !values["freeze-backbone"] || /(^|\.)classifier\./.test(name)); // prettier-ignore
  const optimizer = makeOptimizer(optimizerName, params, groupsRule, { lr, momentum, weightDecay });
  const trainer = new Trainer(model, optimizer, {
    schedule: { name: scheduleName, warmupSteps, totalSteps },
    kernels: trainingKernels(),
    seed,
  });
  if (values.resume) await resume(output, trainer, optimizer);
  if (trainer.state.globalStep >= totalSteps) {
    console.error(`${output}: already trained for ${trainer.state.globalStep} of ${totalSteps} steps; nothing to do`);
    return 0;
  }

  const batchOf = async (list: typeof samples): Promise<Batch> => {
    const images = [];
    for (const s of list) images.push(processor!.prepare(await loadImage(s.path), s.path));
    return { pixelValues: processor!.stack(images), labels: Int32Array.from(list, (s) => s.label) };
  };
  const save = async () => {
    const state = {
      best_metric: null,
      epoch: trainer.state.epoch,
      global_step: trainer.state.globalStep,
      log_history: trainer.state.logHistory,
      max_steps: totalSteps,
      num_train_epochs: Math.ceil(totalSteps / stepsPerEpoch),
      train_batch_size: fixed ? fixed.pixelValues.shape[0] : batchSize,
    };
    const optimizerState = [...optimizer.stateDict()].map(([k, v]) => [k, new Tensor(v, [v.length])] as [string, Tensor]); // prettier-ignore
    const processorJson = processorBytes ?? (processor ? JSON.stringify(processorConfig(processor), null, 2) + "\n" : null); // prettier-ignore
    await savePretrained(
      output,
      model,
      `${config.modelType === "convnextv2" ? "ConvNextV2" : "ConvNext"}ForImageClassification`,
      {
        ...(processorJson ? { "preprocessor_config.json": processorJson } : {}),
        "trainer_state.json": JSON.stringify(state, null, 2) + "\n",
        "optimizer.safetensors": serializeSafetensors(optimizerState),
      },
    );
  };

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: stop now
    interrupted = true;
    console.error("\ninterrupted: saving a checkpoint after this step (Ctrl-C again to quit without saving)");
  };
  process.on("SIGINT", onSigint);
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  try {
    while (trainer.state.globalStep < totalSteps && !interrupted) {
      const epochIndex = Math.floor(trainer.state.globalStep / stepsPerEpoch);
      const order = folder ? shuffled(trainSet, mulberry32(seed + 1 + epochIndex)) : [];
      for (let b = trainer.state.globalStep % stepsPerEpoch; b < stepsPerEpoch; b++) {
        const batch = fixed ?? (await batchOf(order.slice(b * batchSize, (b + 1) * batchSize)));
        const loss = trainer.step(batch);
        const line = `epoch ${(trainer.state.globalStep / stepsPerEpoch).toFixed(2)} step ${trainer.state.globalStep}/${totalSteps} loss ${loss.toFixed(4)} lr ${trainer.learningRate.toExponential(2)}`; // prettier-ignore
        if (tty) process.stderr.write(`\r${progressBar(trainer.state.globalStep / totalSteps)} ${line}\x1b[K`);
        if (trainer.state.globalStep >= totalSteps || interrupted) break;
        await new Promise((resolve) => setImmediate(resolve)); // let a Ctrl-C be seen between steps
      }
      const entry = trainer.endEpoch(trainer.state.globalStep / stepsPerEpoch);
      if (tty) process.stderr.write("\r\x1b[K");
      if (entry) console.error(`epoch ${entry.epoch}: loss ${entry.loss} (step ${entry.step}, lr ${entry.learning_rate.toExponential(2)})`); // prettier-ignore
      if (valSet.length) {
        const batches = [];
        for (let i = 0; i < valSet.length; i += batchSize) batches.push(await batchOf(valSet.slice(i, i + batchSize)));
        const e = trainer.evaluate(batches);
        console.error(`epoch ${e.epoch}: eval_loss ${e.eval_loss}, eval_accuracy ${e.eval_accuracy.toFixed(4)} (${valSet.length} images)`); // prettier-ignore
      }
    }
    const seconds = (performance.now() - started) / 1000;
    trainer.state.logHistory.push({ epoch: trainer.state.epoch, step: trainer.state.globalStep, train_runtime: Math.round(seconds * 1000) / 1000 }); // prettier-ignore
    await save();
  } finally {
    process.off("SIGINT", onSigint);
  }
  console.error(`${interrupted ? "stopped" : "done"} at step ${trainer.state.globalStep}; wrote ${output}`);
  return interrupted ? 130 : 0;
}

async function readFixedBatch(path: string): Promise<Batch> {
  const file = parseSafetensors(await readBytes(path), path);
  const pixels = file.tensors.get("pixel_values");
  const labels = file.tensors.get("labels");
  if (!pixels || !labels) throw new Error(`${path}: needs "pixel_values" and "labels" (found: ${[...file.tensors.keys()].join(", ")})`); // prettier-ignore
  if (!isFloatDType(pixels.dtype)) throw new Error(`${path}: pixel_values must be a float tensor, got ${pixels.dtype}`);
  const y = rawToTensor(labels);
  const parsed: Labels = isFloatDType(labels.dtype) ? y : Int32Array.from(y.data);
  return { pixelValues: rawToTensor(pixels), labels: parsed };
}

/** Gives the config the folder's classes; returns whether the head must be new (other labels or count). */
function setClasses(config: ConvNextConfig, classes: string[]): boolean {
  const same = classes.length === config.numLabels && classes.every((c, i) => config.id2label[i] === c);
  if (same) return false;
  const { num_labels: _count, ...rest } = config.raw;
  const raw = {
    ...rest,
    id2label: Object.fromEntries(classes.map((c, i) => [String(i), c])),
    label2id: Object.fromEntries(classes.map((c, i) => [c, i])),
  };
  Object.assign(config, parseConvNextConfig(raw, "config.json"), { problemType: null });
  return true;
}

function makeOptimizer(
  name: "adamw" | "sgd",
  params: Array<[string, Parameter]>,
  rule: string,
  o: { lr: number; momentum: number; weightDecay: number },
): Optimizer {
  const groups = rule === "trainer" ? trainerParamGroups(params, o.weightDecay) : [{ params }];
  return name === "sgd"
    ? new SGD(groups, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay })
    : new AdamW(groups, { lr: o.lr, weightDecay: o.weightDecay });
}

async function resume(dir: string, trainer: Trainer, optimizer: Optimizer): Promise<void> {
  const state = JSON.parse(await readFile(join(dir, "trainer_state.json"), "utf8"));
  trainer.state = { globalStep: state.global_step, epoch: state.epoch, logHistory: state.log_history };
  const opt = parseSafetensors(await readBytes(join(dir, "optimizer.safetensors")), join(dir, "optimizer.safetensors"));
  optimizer.loadStateDict(new Map([...opt.tensors].map(([k, raw]) => [k, rawToTensor(raw).data])));
  console.error(`resuming ${dir} at step ${state.global_step}`);
}

function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(fraction * width);
  return `|${"█".repeat(filled)}${" ".repeat(width - filled)}| ${(fraction * 100).toFixed(0).padStart(3)}%`;
}

function processorConfig(p: ConvNextImageProcessor): Record<string, unknown> {
  const o = p.options;
  return {
    crop_pct: o.cropPct,
    do_normalize: o.doNormalize,
    do_rescale: o.doRescale,
    do_resize: o.doResize,
    image_mean: o.imageMean,
    image_processor_type: "ConvNextImageProcessor",
    image_std: o.imageStd,
    resample: o.resample,
    rescale_factor: o.rescaleFactor,
    size: { shortest_edge: o.shortestEdge },
  };
}

const command: Command = { help, run };
export default command;
