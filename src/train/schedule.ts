// Learning-rate schedules as factors of the initial rate per optimizer step, as transformers'
// get_scheduler builds them (a LambdaLR evaluated at the step about to be taken, starting at 0):
// linear warmup then constant, linear decay or half a cosine (the HF Trainer's and timm's usual choice).

export type ScheduleName = "constant" | "linear" | "cosine";

export interface Schedule {
  name: ScheduleName;
  warmupSteps: number;
  totalSteps: number;
}

/** The factor for optimizer step `step` (0-based), HF's lr_lambda. */
export function learningRateFactor({ name, warmupSteps, totalSteps }: Schedule, step: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  if (name === "constant") return 1;
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  if (name === "linear") return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress))); // get_cosine_schedule_with_warmup, 0.5 cycles
}
