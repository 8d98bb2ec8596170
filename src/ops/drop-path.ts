// Stochastic depth. In inference it is the identity (HF: ConvNextDropPath does nothing unless training).
// In training each sample's residual branch is kept with probability keep = 1 - rate and scaled by 1/keep,
// computed as HF's drop_path does in float32: mask = floor(keep + r), r = torch.rand((N, 1, 1, 1)) (the draws
// come from `random`, torchRandom for PyTorch's stream); out = x.div(keep) * mask (docs/REFERENCE.md §1).

/** A small seeded PRNG (mulberry32), for seeded test data and initialisers (not PyTorch's stream). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * branch [N, perSample] in place; mask [N] receives each sample's floor(keep + r) (0 or 1), one draw per sample.
 */
export function dropPath(
  branch: Float32Array,
  mask: Float32Array,
  N: number,
  perSample: number,
  rate: number,
  random: () => number,
): void {
  if (rate <= 0) {
    mask.fill(1, 0, N); // HF builds no DropPath for a rate of 0: no draw
    return;
  }
  const keep = Math.fround(1 - rate); // a float32 tensor op with a Python scalar: the scalar is rounded
  for (let n = 0; n < N; n++) mask[n] = Math.floor(Math.fround(keep + random()));
  for (let n = 0; n < N; n++) {
    const base = n * perSample;
    for (let i = 0; i < perSample; i++) branch[base + i] = Math.fround(branch[base + i] / keep) * mask[n];
  }
}

/** Backward: dx [N, perSample] = dy * mask / keep (dx may be dy). */
export function dropPathBackward(
  dx: Float32Array,
  dy: Float32Array,
  mask: Float32Array,
  N: number,
  perSample: number,
  rate: number,
): void {
  const keep = rate > 0 ? Math.fround(1 - rate) : 1;
  for (let n = 0; n < N; n++) {
    const base = n * perSample;
    for (let i = 0; i < perSample; i++) dx[base + i] = (dy[base + i] * mask[n]) / keep;
  }
}
