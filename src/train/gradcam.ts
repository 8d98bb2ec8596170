// Grad-CAM (Selvaraju et al.) on the last stage of a ConvNeXT classifier, as GRADIENTS.md defines it:
//   A = last_hidden_state [B, C, h, w];  score = sum_b logits[b, t_b];  G = d score / d A;
//   weights[b, c] = mean_{y,x} G[b, c, y, x];  cam[b, y, x] = relu(sum_c weights[b, c] * A[b, c, y, x]).
// Eval mode, no upsampling, no normalisation (the map is as small as the last stage: 7 x 7 at 224 pixels).

import type { ConvNextForImageClassification } from "../model/classification.js";
import { Tensor } from "../tensor/tensor.js";
import { computeGradients } from "./gradients.js";
import type { TrainingKernels } from "./kernels.js";

export interface GradCam {
  /** The class explained per sample (default: the argmax of the logits). */
  target: Int32Array;
  logits: Tensor;
  /** [B, C] */
  weights: Tensor;
  /** [B, h, w] */
  cam: Tensor;
  /** A and G, [B, C, h, w]. */
  feature: Tensor;
  gradient: Tensor;
}

export function gradCam(
  model: ConvNextForImageClassification,
  pixelValues: Tensor,
  options: { target?: ArrayLike<number>; kernels?: TrainingKernels } = {},
): GradCam {
  if (!model.classifier) throw new Error("Grad-CAM needs a classifier head (num_labels > 0)");
  // the logits first, for the default targets (argmax per sample)
  const logits = model.forward(pixelValues).logits;
  const [B, L] = logits.shape;
  const target = Int32Array.from({ length: B }, (_, b) => {
    if (options.target) return options.target[b];
    let best = 0;
    for (let c = 1; c < L; c++) if (logits.data[b * L + c] > logits.data[b * L + best]) best = c;
    return best;
  });
  for (const t of target) if (!(Number.isInteger(t) && t >= 0 && t < L)) throw new Error(`Grad-CAM: target ${t} is not a class index in [0, ${L})`); // prettier-ignore
  const upstream = new Tensor(new Float32Array(B * L), [B, L]);
  target.forEach((t, b) => (upstream.data[b * L + t] = 1));
  const g = computeGradients(model, pixelValues, {
    upstream: new Map([["logits", upstream]]),
    outputGradients: ["last_hidden_state"],
    inputGradient: false,
    trainable: () => false, // only G: backward stops at the last stage
    kernels: options.kernels,
  });
  const feature = g.outputs.get("last_hidden_state")!;
  const gradient = g.outputGrads.get("last_hidden_state") ?? Tensor.zeros(feature.shape);
  const [, C, h, w] = feature.shape;
  const weights = Tensor.zeros([B, C]);
  const cam = Tensor.zeros([B, h, w]);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let sum = 0;
      const base = (b * C + c) * h * w;
      for (let p = 0; p < h * w; p++) sum += gradient.data[base + p];
      weights.data[b * C + c] = sum / (h * w);
    }
    for (let p = 0; p < h * w; p++) {
      let sum = 0;
      for (let c = 0; c < C; c++) sum += weights.data[b * C + c] * feature.data[(b * C + c) * h * w + p];
      cam.data[b * h * w + p] = Math.max(0, sum);
    }
  }
  return { target, logits: g.outputs.get("logits")!, weights, cam, feature, gradient };
}

/** An RGB image, row-major, 3 bytes per pixel (the preprocess layer's RgbImage). */
export interface RgbPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The usual Grad-CAM picture: the map [h, w] upsampled bilinearly to the image (half-pixel centres, as
 * cv2.resize and F.interpolate(align_corners=False)), scaled to [0, 1] by its maximum, coloured with the jet
 * colormap and blended half and half with the image.
 */
export function gradCamOverlay(cam: Float32Array, h: number, w: number, image: RgbPixels, alpha = 0.5): RgbPixels {
  const { width, height, data } = image;
  let max = 0;
  for (const v of cam) max = Math.max(max, v);
  const out = new Uint8Array(width * height * 3);
  const at = (y: number, x: number) => cam[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
  for (let py = 0; py < height; py++) {
    const sy = ((py + 0.5) * h) / height - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let px = 0; px < width; px++) {
      const sx = ((px + 0.5) * w) / width - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const v =
        (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)); // prettier-ignore
      const heat = jet(max > 0 ? v / max : 0);
      const i = (py * width + px) * 3;
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(alpha * heat[c] + (1 - alpha) * data[i + c]);
    }
  }
  return { width, height, data: out };
}

/** matplotlib's jet: dark blue (0) -> blue -> cyan -> yellow -> red -> dark red (1), as 0..255. */
function jet(t: number): [number, number, number] {
  const clamp = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return [clamp(1.5 - Math.abs(4 * t - 3)), clamp(1.5 - Math.abs(4 * t - 2)), clamp(1.5 - Math.abs(4 * t - 1))];
}
