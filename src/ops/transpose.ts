// Layout changes between NCHW (public tensors, convs) and NHWC (LayerNorm and pointwise layers in a block).

/** out [N, HW, C] from x [N, C, HW]. */
export function channelsFirstToLast(out: Float32Array, x: Float32Array, N: number, C: number, HW: number): void {
  for (let n = 0; n < N; n++) {
    const base = n * C * HW;
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < HW; p++) out[base + p * C + c] = x[base + c * HW + p];
    }
  }
}

/** out [N, C, HW] from x [N, HW, C]. */
export function channelsLastToFirst(out: Float32Array, x: Float32Array, N: number, C: number, HW: number): void {
  for (let n = 0; n < N; n++) {
    const base = n * C * HW;
    for (let p = 0; p < HW; p++) {
      for (let c = 0; c < C; c++) out[base + c * HW + p] = x[base + p * C + c];
    }
  }
}
