// FLOPs of a ConvNeXT forward pass per op group (multiply-add = 2 FLOPs), from its config.
// convnext-tiny-224 totals 8.9 GFLOP per image, the figure the issue and papers use (4.5 GMACs).

export function flopsPerImage(config, size = 224) {
  const ops = {
    stem: 0,
    dwconv: 0,
    layernorm: 0,
    "pwconv1+gelu": 0,
    grn: 0,
    "pwconv2+scale+residual": 0,
    downsampling: 0,
    head: 0,
  };
  const k = config.patch_size ?? 4;
  let h = Math.floor(size / k);
  let w = h;
  const dims = config.hidden_sizes;
  ops.stem = 2 * (config.num_channels ?? 3) * k * k * dims[0] * h * w;
  dims.forEach((c, i) => {
    if (i > 0) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      ops.downsampling += 2 * dims[i - 1] * 4 * c * h * w;
    }
    const hw = h * w;
    for (let j = 0; j < config.depths[i]; j++) {
      ops.dwconv += 2 * 49 * c * hw;
      ops["pwconv1+gelu"] += 2 * c * 4 * c * hw;
      ops["pwconv2+scale+residual"] += 2 * 4 * c * c * hw;
    }
  });
  ops.head = 2 * dims[dims.length - 1] * Object.keys(config.id2label ?? { 0: 0 }).length;
  const total = Object.values(ops).reduce((a, b) => a + b, 0);
  return { ops, total };
}
