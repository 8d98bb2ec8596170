// The fine-tuning loop's bookkeeping, like transformers' Trainer: optimizer steps with a learning-rate
// schedule, the mean training loss and the validation loss / accuracy per epoch, and a log_history that
// trainer_state.json can hold. Data comes in as batches of tensors (src/node reads image folders), so this
// runs in a browser as well.

import type { ConvNextForImageClassification } from "../model/classification.js";
import type { Labels } from "../model/loss.js";
import type { Tensor } from "../tensor/tensor.js";
import type { TrainingKernels } from "./kernels.js";
import { scaleLearningRate, type Optimizer } from "./optimizers.js";
import { learningRateFactor, type Schedule } from "./schedule.js";
import { trainStep } from "./train-step.js";

export interface Batch {
  pixelValues: Tensor;
  labels: Labels;
}

/** One entry of trainer_state.json's log_history (HF's keys). */
export type LogEntry = Record<string, number>;

export interface TrainerState {
  globalStep: number;
  epoch: number;
  logHistory: LogEntry[];
}

export interface TrainerOptions {
  schedule?: Schedule;
  kernels?: TrainingKernels;
  /** Seed of the drop-path draws; step s uses seed + s. */
  seed?: number;
}

export class Trainer {
  state: TrainerState = { globalStep: 0, epoch: 0, logHistory: [] };
  private epochLosses: number[] = [];

  constructor(
    readonly model: ConvNextForImageClassification,
    readonly optimizer: Optimizer,
    readonly options: TrainerOptions = {},
  ) {}

  /** The learning rate of the coming step (of the first group). */
  get learningRate(): number {
    return this.optimizer.groups[0]?.lr ?? 0;
  }

  /** One optimizer step on a batch; returns the batch's loss before the update. */
  step(batch: Batch): number {
    const { schedule, kernels, seed = 0 } = this.options;
    if (schedule) scaleLearningRate(this.optimizer, learningRateFactor(schedule, this.state.globalStep));
    const loss = trainStep(this.model, batch.pixelValues, batch.labels, this.optimizer, {
      kernels,
      seed: seed + this.state.globalStep,
    });
    if (!Number.isFinite(loss)) throw new Error(`training diverged: the loss is ${loss} at step ${this.state.globalStep + 1}`); // prettier-ignore
    this.state.globalStep++;
    this.epochLosses.push(loss);
    return loss;
  }

  /** Closes an epoch (fractional when training stops mid-epoch): logs its mean loss like the HF Trainer. */
  endEpoch(epoch: number): LogEntry | null {
    this.state.epoch = epoch;
    if (this.epochLosses.length === 0) return null;
    const loss = this.epochLosses.reduce((a, b) => a + b, 0) / this.epochLosses.length;
    this.epochLosses = [];
    const entry = { epoch: round(epoch), learning_rate: this.learningRate, loss: round(loss), step: this.state.globalStep }; // prettier-ignore
    this.state.logHistory.push(entry);
    return entry;
  }

  /** Validation loss and accuracy (eval mode: no drop path), logged as eval_loss / eval_accuracy. */
  evaluate(batches: Iterable<Batch>): LogEntry {
    let lossSum = 0;
    let correct = 0;
    let count = 0;
    for (const { pixelValues, labels } of batches) {
      const out = this.model.forward(pixelValues, { labels });
      const [B, L] = out.logits.shape;
      const y = "data" in labels ? labels.data : labels;
      lossSum += out.loss!.data[0] * B;
      for (let b = 0; b < B; b++) {
        let best = 0;
        for (let c = 1; c < L; c++) if (out.logits.data[b * L + c] > out.logits.data[b * L + best]) best = c;
        if (best === Number(y[b])) correct++;
      }
      count += B;
    }
    const entry = {
      epoch: round(this.state.epoch),
      eval_accuracy: count ? correct / count : 0,
      eval_loss: count ? round(lossSum / count) : 0,
      step: this.state.globalStep,
    };
    this.state.logHistory.push(entry);
    return entry;
  }
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
