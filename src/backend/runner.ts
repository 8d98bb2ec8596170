// Runs the embeddings and encoder of a ConvNeXT (V1 or V2) on a fast backend. Inside, activations are
// channels-first planes padded to P = roundup(H * W, 8) pixels per channel, so every kernel walks
// contiguous memory and the pointwise layers are GEMMs on the weights exactly as loaded ([out, in]).
// Weights are copied into the backend's heap once and the Parameters re-pointed at the copy (held once);
// workspaces are sized once per input shape and reused, so a forward pass allocates only its outputs.

import { Tensor } from "../tensor/tensor.js";
import type { ConvNextEmbeddings } from "../model/embeddings.js";
import type { ConvNextEncoder } from "../model/encoder.js";
import type { ConvNextBlock } from "../model/layer.js";
import type { LayerNorm, PatchifyConv2d } from "../model/layers.js";
import type { Parameter } from "../model/module.js";
import type { Backend, KernelName } from "./backend.js";

// the GEMM epilogues of assembly/gemm.ts
export const MODE_BIAS = 0;
const MODE_GELU = 1;
const MODE_SCALE_RESIDUAL = 2;
const MODE_RESIDUAL = 3;

const round8 = (n: number) => Math.ceil(n / 8) * 8;

/** Per-thread GEMM packing space for K inputs: the x panel (180224 floats, or 8 pixels x K), then 4 weight rows. */
export const gemmPackBytes = (K: number) => (Math.max(180224, 8 * K) + 4 * K) * 4; // see assembly/gemm.ts
/** Per-thread floats of the depthwise conv's scratch: the zero-bordered plane and a two-row buffer. */
export const dwconvScratchFloats = (H: number, W: number, pad: number) =>
  (H + 2 * pad) * (W + 2 * pad + 4) + 2 * (W + 4); // see assembly/dwconv.ts

/** A GEMM over N images x M rows is split in chunks of whole images when the batch allows, else of >= 32 rows. */
export const gemmMinChunk = (N: number, M: number, threads: number) =>
  N >= 2 * threads ? M : Math.min(M, Math.max(32, Math.ceil(M / threads / 4) * 4));

interface Geometry {
  N: number;
  H: number;
  W: number;
  stages: Array<{ C: number; H: number; W: number; P: number }>;
  stem: { C: number; H: number; W: number; P: number };
}

interface Workspace {
  key: string;
  pix: number;
  patches: number;
  x: number;
  t: number;
  h: number;
  norms: number;
  scale: number;
  scratch: number;
  scratchBytes: number;
  pack: number;
  packBytes: number;
}

/** Which op each kernel call is counted under in a profile. */
export type OpName =
  "stem" | "dwconv" | "layernorm" | "pwconv1+gelu" | "grn" | "pwconv2+scale+residual" | "downsampling";

export class FastRunner {
  private ws: Workspace | null = null;

  constructor(
    readonly backend: Backend,
    private readonly embeddings: ConvNextEmbeddings,
    private readonly encoder: ConvNextEncoder,
  ) {}

  /** Whether this model can run here (the fused GELU, odd 'same' depthwise kernels). */
  static supports(encoder: ConvNextEncoder, hiddenAct: string): boolean {
    if (hiddenAct !== "gelu" && hiddenAct !== "gelu_python") return false;
    return encoder.stages.items.every((s) =>
      s.layers.items.every((b) => b.dwconv.kernelSize === 2 * b.dwconv.padding + 1),
    );
  }

  /** The embeddings output and every stage output (NCHW), or only the last when `all` is false. */
  run(pixelValues: Tensor, all: boolean): Tensor[] {
    const [N, Cin, H, W] = pixelValues.shape;
    const geo = this.geometry(N, H, W);
    const ws = this.workspace(geo, Cin);
    const heap = this.backend.heap;
    heap.f32.set(pixelValues.data, ws.pix >> 2);
    const outputs: Tensor[] = [];

    // stem: patchify conv as space-to-depth + GEMM, then the channels-first LayerNorm
    const pe = this.embeddings.patch_embeddings;
    const s = geo.stem;
    this.patchConv("stem", pe, ws.pix, N * Cin, H, W, H * W, s, ws);
    this.layerNorm("stem", this.embeddings.layernorm, ws.x, ws.x, N, s.C, s.P);
    if (all) outputs.push(this.toTensor(ws.x, N, s));

    let prev = s;
    this.encoder.stages.items.forEach((stage, i) => {
      const g = geo.stages[i];
      if (stage.downsampling_layer) {
        const [norm, conv] = stage.downsampling_layer.items as [LayerNorm, PatchifyConv2d];
        this.layerNorm("downsampling", norm, ws.t, ws.x, N, prev.C, prev.P);
        this.patchConv("downsampling", conv, ws.t, N * prev.C, prev.H, prev.W, prev.P, g, ws);
      }
      for (const block of stage.layers.items) this.block(block, N, g, ws);
      if (all || i === geo.stages.length - 1) outputs.push(this.toTensor(ws.x, N, g));
      prev = g;
    });
    return outputs;
  }

  private geometry(N: number, H: number, W: number): Geometry {
    const k = this.embeddings.patch_embeddings.kernelSize;
    const stem = { C: this.embeddings.patch_embeddings.outChannels, H: Math.floor(H / k), W: Math.floor(W / k), P: 0 };
    stem.P = round8(stem.H * stem.W);
    const stages: Geometry["stages"] = [];
    let prev = stem;
    for (const stage of this.encoder.stages.items) {
      let g = prev;
      if (stage.downsampling_layer) {
        const conv = stage.downsampling_layer.items[1] as PatchifyConv2d;
        const h = Math.floor(prev.H / conv.kernelSize);
        const w = Math.floor(prev.W / conv.kernelSize);
        g = { C: conv.outChannels, H: h, W: w, P: round8(h * w) };
      }
      stages.push(g);
      prev = g;
    }
    return { N, H, W, stem, stages };
  }

  private workspace(geo: Geometry, Cin: number): Workspace {
    const key = `${geo.N}x${Cin}x${geo.H}x${geo.W}`;
    if (this.ws?.key === key) return this.ws;
    const heap = this.backend.heap;
    if (this.ws) heap.freeNow(this.ws, this.buffers(this.ws));
    const N = geo.N;
    const k = this.embeddings.patch_embeddings.kernelSize;
    let patches = N * Cin * k * k * geo.stem.P;
    let x = N * geo.stem.C * geo.stem.P;
    let h = 0;
    let scratch = 0;
    let maxK = Cin * k * k;
    let prev = geo.stem;
    this.encoder.stages.items.forEach((stage, i) => {
      const g = geo.stages[i];
      if (stage.downsampling_layer) {
        const s = (stage.downsampling_layer.items[1] as PatchifyConv2d).kernelSize;
        patches = Math.max(patches, N * prev.C * s * s * g.P);
        maxK = Math.max(maxK, prev.C * s * s);
      }
      x = Math.max(x, N * g.C * g.P);
      for (const b of stage.layers.items) {
        h = Math.max(h, N * b.pwconv1.outFeatures * g.P);
        maxK = Math.max(maxK, b.pwconv1.outFeatures);
        const pad = b.dwconv.padding;
        scratch = Math.max(scratch, dwconvScratchFloats(g.H, g.W, pad));
      }
      prev = g;
    });
    const threads = this.backend.threads;
    const scratchBytes = Math.ceil((scratch * 4) / 64) * 64;
    const packBytes = gemmPackBytes(maxK);
    const maxHidden = Math.max(
      0,
      ...this.encoder.stages.items.flatMap((s) => s.layers.items.map((b) => b.pwconv1.outFeatures)),
    );
    this.ws = {
      key,
      pix: heap.alloc(N * Cin * geo.H * geo.W),
      patches: heap.alloc(patches),
      x: heap.alloc(x),
      t: heap.alloc(x),
      h: heap.alloc(h),
      norms: heap.alloc(2 * N * maxHidden),
      scale: heap.alloc(N * maxHidden),
      scratch: heap.alloc((scratchBytes / 4) * threads),
      scratchBytes,
      pack: heap.alloc((packBytes / 4) * threads),
      packBytes,
    };
    heap.freeWhenCollected(this, this.buffers(this.ws), this.ws);
    return this.ws;
  }

  private buffers(ws: Workspace): number[] {
    return [ws.pix, ws.patches, ws.x, ws.t, ws.h, ws.norms, ws.scale, ws.scratch, ws.pack];
  }

  /** Byte offset of a parameter in the heap, uploading it (once) if it is new or was reloaded. */
  private weight(p: Parameter): number {
    return this.backend.heap.parameter(p);
  }

  private time(op: OpName, t0: number): void {
    const profile = this.backend.profile;
    if (profile) profile.set(op, (profile.get(op) ?? 0) + performance.now() - t0);
  }

  private call(op: OpName, kernel: KernelName, args: number[], total: number, grain: number, minChunk = grain): void {
    const t0 = this.backend.profile ? performance.now() : 0;
    this.backend.run(kernel, args, total, grain, minChunk);
    if (this.backend.profile) this.time(op, t0);
  }

  /** Kernel == stride conv: space-to-depth of `planes` planes, then one GEMM into ws.x. */
  private patchConv(
    op: OpName,
    conv: PatchifyConv2d,
    src: number,
    planes: number,
    H: number,
    W: number,
    Pin: number,
    g: { C: number; H: number; W: number; P: number },
    ws: Workspace,
  ): void {
    const k = conv.kernelSize;
    const N = planes / conv.inChannels;
    this.call(op, "spaceToDepth", [ws.patches, src, H, W, Pin, k, g.P], planes, 1);
    const K = conv.inChannels * k * k;
    const args = [
      ws.x,
      this.weight(conv.weight),
      ws.patches,
      this.weight(conv.bias),
      0,
      g.C,
      K,
      g.P,
      N,
      MODE_BIAS,
      ws.pack,
      ws.packBytes,
      g.H * g.W,
    ];
    this.gemm(op, args, N, g.C);
  }

  private gemm(op: OpName, args: number[], N: number, M: number): void {
    this.call(op, "gemm", args, N * M, 4, gemmMinChunk(N, M, this.backend.threads));
  }

  private layerNorm(op: OpName, norm: LayerNorm, out: number, x: number, N: number, C: number, P: number): void {
    const args = [out, x, this.weight(norm.weight), this.weight(norm.bias), C, P, norm.eps];
    this.call(op, "layerNormCF", args, (N * P) / 8, 1);
  }

  private block(
    block: ConvNextBlock,
    N: number,
    g: { C: number; H: number; W: number; P: number },
    ws: Workspace,
  ): void {
    const { C, H, W, P } = g;
    const dw = block.dwconv;
    const dwArgs = [
      ws.t,
      ws.x,
      this.weight(dw.weight),
      this.weight(dw.bias),
      C,
      H,
      W,
      P,
      dw.kernelSize,
      dw.padding,
      ws.scratch,
      ws.scratchBytes,
    ];
    this.call("dwconv", "dwconv", dwArgs, N * C, 1);
    this.layerNorm("layernorm", block.layernorm, ws.t, ws.t, N, C, P);
    const hidden = block.pwconv1.outFeatures;
    const w1 = this.weight(block.pwconv1.weight);
    const b1 = this.weight(block.pwconv1.bias);
    this.gemm(
      "pwconv1+gelu",
      [ws.h, w1, ws.t, b1, 0, hidden, C, P, N, MODE_GELU, ws.pack, ws.packBytes, H * W],
      N,
      hidden,
    );
    const grn = (block as { grn?: { weight: Parameter; bias: Parameter } }).grn;
    if (grn) this.globalResponseNorm(grn, N, hidden, H * W, P, ws);
    const scale = (block as { layer_scale_parameter?: Parameter | null }).layer_scale_parameter ?? null;
    const w2 = this.weight(block.pwconv2.weight);
    const b2 = this.weight(block.pwconv2.bias);
    const mode = scale ? MODE_SCALE_RESIDUAL : MODE_RESIDUAL;
    const gamma = scale ? this.weight(scale) : 0;
    this.gemm(
      "pwconv2+scale+residual",
      [ws.x, w2, ws.h, b2, gamma, C, hidden, P, N, mode, ws.pack, ws.packBytes, H * W],
      N,
      C,
    );
  }

  /** GRN: per-channel L2 norms (parallel), the per-image mean (here), then the update (parallel). */
  private globalResponseNorm(
    grn: { weight: Parameter; bias: Parameter },
    N: number,
    C: number,
    HW: number,
    P: number,
    ws: Workspace,
  ): void {
    const t0 = this.backend.profile ? performance.now() : 0;
    this.backend.run("grnNorms", [ws.norms, ws.h, HW, P], N * C, 1);
    const heap = this.backend.heap;
    const norms = heap.f64;
    const scale = heap.f32;
    for (let n = 0; n < N; n++) {
      const base = (ws.norms >> 3) + n * C;
      let mean = 0;
      for (let c = 0; c < C; c++) mean += norms[base + c];
      const denom = mean / C + 1e-6; // HF adds 1e-6 to the channel mean
      for (let c = 0; c < C; c++) scale[(ws.scale >> 2) + n * C + c] = norms[base + c] / denom;
    }
    this.backend.run("grnApply", [ws.h, this.weight(grn.weight), this.weight(grn.bias), ws.scale, C, P], N * C, 1);
    if (this.backend.profile) this.time("grn", t0);
  }

  /** Copies padded planes out into a dense NCHW tensor. */
  private toTensor(offset: number, N: number, g: { C: number; H: number; W: number; P: number }): Tensor {
    const HW = g.H * g.W;
    const out = Tensor.zeros([N, g.C, g.H, g.W]);
    const f = this.backend.heap.f32;
    for (let q = 0; q < N * g.C; q++) {
      const src = (offset >> 2) + q * g.P;
      out.data.set(f.subarray(src, src + HW), q * HW);
    }
    return out;
  }
}
