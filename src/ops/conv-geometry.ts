// Convolution geometry in one place: every conv in ConvNeXT uses this to size its output.

/** PyTorch's output size: floor((in + 2 * padding - kernel) / stride) + 1. */
export function convOutputSize(inSize: number, kernel: number, stride: number, padding = 0): number {
  return Math.floor((inSize + 2 * padding - kernel) / stride) + 1;
}
