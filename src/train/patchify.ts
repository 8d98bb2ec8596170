// A conv whose kernel equals its stride (no padding) is a linear layer on non-overlapping patches: the stem's
// patchify conv and the 2x2 downsampling convs run as GEMMs this way (and any other conv by the reference
// kernels). patches [N * OH * OW, Cin * k * k] has one row per output pixel, its columns in the weight's order.

/** patches [N, OH, OW, Cin, k, k] from x [N, Cin, H, W] (rows and columns past OH * k, OW * k are dropped). */
export function imageToPatches(
  patches: Float32Array,
  x: Float32Array,
  N: number,
  Cin: number,
  H: number,
  W: number,
  k: number,
): void {
  // prettier-ignore
  const OH = Math.floor(H / k);
  const OW = Math.floor(W / k);
  let i = 0;
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let c = 0; c < Cin; c++) {
          const base = ((n * Cin + c) * H + oy * k) * W + ox * k;
          for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) patches[i++] = x[base + ky * W + kx];
        }
}

/** The adjoint: dx [N, Cin, H, W] from d patches (pixels no patch covers get 0). */
export function patchesToImage(
  dx: Float32Array,
  patches: Float32Array,
  N: number,
  Cin: number,
  H: number,
  W: number,
  k: number,
): void {
  // prettier-ignore
  const OH = Math.floor(H / k);
  const OW = Math.floor(W / k);
  dx.fill(0);
  let i = 0;
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let c = 0; c < Cin; c++) {
          const base = ((n * Cin + c) * H + oy * k) * W + ox * k;
          for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) dx[base + ky * W + kx] = patches[i++];
        }
}
