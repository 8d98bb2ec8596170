// The classifier head on the wasm backend: logits [N, M] = x [N, K] W^T + b as the pointwise GEMM with the
// N images as its pixels. The reference kernel spends ~0.7 ms on a 768 -> 1000 head but ~17 ms on the 21841
// ImageNet-22k labels (~34 ms from 1536 features), a tenth of a convnext-tiny pass on 2 threads; the GEMM
// takes 10.6 ms on one thread and 6.4 on two (`node bench/head.mjs`, batch 1).

import type { Linear } from "../model/layers.js";
import { Tensor } from "../tensor/tensor.js";
import type { Backend } from "./backend.js";
import { gemmMinChunk, gemmPackBytes, MODE_BIAS } from "./runner.js";

export class FastLinear {
  private ws: { N: number; P: number; x: number; out: number; pack: number } | null = null;

  constructor(
    readonly backend: Backend,
    readonly linear: Linear,
  ) {}

  forward(x: Tensor): Tensor {
    const { inFeatures: K, outFeatures: M } = this.linear;
    const N = x.size / K;
    const heap = this.backend.heap;
    const ws = this.workspace(N);
    const w = heap.parameter(this.linear.weight);
    const b = heap.parameter(this.linear.bias);
    // x^T [K, P] (planes padded to 8 pixels), out [M, P]
    let f = heap.f32;
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) f[(ws.x >> 2) + k * ws.P + n] = x.data[n * K + k];
    const packBytes = gemmPackBytes(K);
    const args = [ws.out, w, ws.x, b, 0, M, K, ws.P, 1, MODE_BIAS, ws.pack, packBytes, N];
    this.backend.run("gemm", args, M, 4, gemmMinChunk(1, M, this.backend.threads));
    const out = Tensor.zeros([...x.shape.slice(0, -1), M]);
    f = heap.f32;
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) out.data[n * M + m] = f[(ws.out >> 2) + m * ws.P + n];
    return out;
  }

  private workspace(N: number) {
    if (this.ws?.N === N) return this.ws;
    const heap = this.backend.heap;
    if (this.ws) heap.freeNow(this.ws, [this.ws.x, this.ws.out, this.ws.pack]);
    const { inFeatures: K, outFeatures: M } = this.linear;
    const P = Math.ceil(N / 8) * 8;
    const pack = heap.alloc((gemmPackBytes(K) / 4) * this.backend.threads);
    const ws = { N, P, x: heap.alloc(K * P), out: heap.alloc(M * P), pack };
    heap.freeWhenCollected(this, [ws.x, ws.out, ws.pack], ws);
    return (this.ws = ws);
  }
}
