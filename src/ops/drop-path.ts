// Stochastic depth. In inference it is the identity (HF: ConvNextDropPath does nothing unless training).
// In training each sample's residual branch is kept with probability keep = 1 - rate and scaled by 1/keep
// (docs/REFERENCE.md §1).

/** A small seeded PRNG (mulberry32), so training-mode runs are reproducible. */
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
 * branch [N, perSample] in place: sample n is multiplied by floor(keep + u) / keep, u ~ U[0, 1).
 */
export function dropPath(branch: Float32Array, N: number, perSample: number, rate: number, random: () => number): void {
  if (rate <= 0) return;
  const keep = 1 - rate;
  for (let n = 0; n < N; n++) {
    const scale = Math.floor(keep + random()) / keep;
    const base = n * perSample;
    for (let i = 0; i < perSample; i++) branch[base + i] *= scale;
  }
}
