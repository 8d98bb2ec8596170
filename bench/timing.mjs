// Shared by every measured system: the same deterministic input and the same statistics.

/** Pixel values in [-2, 2] (like normalized images), deterministic. */
export function benchInput(batch, size) {
  const x = new Float32Array(batch * 3 * size * size);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 4294967296) * 4 - 2;
  }
  return x;
}

export function summarize(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0] };
}

/**
 * One row from N rounds of the same configuration (each { ms_per_image_median, ms_per_image_min, ... }): the
 * median of the rounds' medians, the least minimum, each round's median, and the other fields (breakdown,
 * RSS, load time) from the round closest to that median.
 */
export function medianOfRounds(rounds) {
  const { median } = summarize(rounds.map((r) => r.ms_per_image_median));
  const distance = (r) => Math.abs(r.ms_per_image_median - median);
  const closest = rounds.reduce((a, b) => (distance(b) < distance(a) ? b : a));
  return {
    ...closest,
    ms_per_image_median: median,
    ms_per_image_min: Math.min(...rounds.map((r) => r.ms_per_image_min)),
    rounds: rounds.map((r) => +r.ms_per_image_median.toFixed(2)),
  };
}

/**
 * Same input, same weights: every system's logits must agree with ours in the same dtype (int8: within the
 * two activation quantizations' difference, per pixel here and per tensor in onnxruntime's graph: ~1-2% of
 * the logits). Returns a warning per system that does not.
 */
export function logitsWarnings(results, dtypes) {
  const warnings = [];
  for (const dtype of dtypes) {
    const ours = results.find((r) => r.logits_head && r.dtype === dtype && r.system.startsWith("convnext"));
    const scale = Math.max(...ours.logits_head.map(Math.abs));
    for (const r of results.filter((x) => x.logits_head && x.dtype === dtype)) {
      const d = Math.max(...r.logits_head.map((v, i) => Math.abs(v - ours.logits_head[i])));
      if (dtype === "int8" ? d > 0.05 * scale : d > 1e-3)
        warnings.push(`WARNING: ${r.system} ${dtype} logits differ from ${ours.system}'s by ${d}`);
    }
  }
  return warnings;
}

/** a's median time over b's as "1.23x", with each round's ratio where both rows have rounds. */
export function ratioText(a, b) {
  const ratio = (x, y) => (x / y).toFixed(2);
  const [ra, rb] = [a.rounds_ms_per_image_median, b.rounds_ms_per_image_median];
  const rounds = ra && rb ? ` (rounds: ${ra.map((v, i) => ratio(v, rb[i])).join(", ")})` : "";
  return `${ratio(a.ms_per_image_median, b.ms_per_image_median)}x${rounds}`;
}

/** A result row as --json prints it (issue 6's schema; peak RSS where the system reports it). */
export function resultRow(r) {
  return {
    system: r.system,
    backend: r.backend,
    dtype: r.dtype ?? "f32",
    threads: r.threads,
    batch: r.batch,
    ms_per_image_median: +r.ms_per_image_median.toFixed(2),
    ms_per_image_min: +r.ms_per_image_min.toFixed(2),
    gflops: +r.gflops.toFixed(2),
    ...(r.peak_rss_mb !== undefined ? { peak_rss_mb: +r.peak_rss_mb.toFixed(1) } : {}),
    load_ms: +r.load_ms.toFixed(0),
    ...(r.rounds?.length > 1 ? { rounds_ms_per_image_median: r.rounds } : {}),
  };
}

const COLUMNS = [
  ["system", "system"],
  ["backend", "backend"],
  ["dtype", "dtype"],
  ["threads", "threads"],
  ["batch", "batch"],
  ["ms/img median", "ms_per_image_median"],
  ["ms/img min", "ms_per_image_min"],
  ["GFLOP/s", "gflops"],
  ["peak RSS MB", "peak_rss_mb"],
  ["load ms", "load_ms"],
];

/** Result rows as a markdown table (the peak RSS column only where the rows have one). */
export function resultTable(rows) {
  const columns = COLUMNS.filter(([, key]) => rows.some((r) => r[key] !== undefined));
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [
    line(columns.map(([title]) => title)),
    `|${columns.map(() => "---").join("|")}|`,
    ...rows.map((r) => line(columns.map(([, key]) => r[key] ?? "-"))),
  ].join("\n");
}
