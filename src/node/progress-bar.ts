// A one-line download progress bar on stderr, drawn only when stderr is a terminal.

import type { DownloadProgress } from "../pretrained/hub-options.js";

export type { DownloadProgress };

const WIDTH = 24;

/** Binary units, named as such (1 MiB = 1024 KiB): the sizes the hub and `ls -lh` show. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

export function terminalProgressBar(
  stream: NodeJS.WriteStream = process.stderr,
): ((p: DownloadProgress) => void) | null {
  if (!stream.isTTY) return null;
  let last = 0;
  return (p) => {
    const now = Date.now();
    const finished = p.total !== null && p.loaded >= p.total;
    if (!finished && now - last < 100) return;
    last = now;
    const fraction = p.total ? Math.min(1, p.loaded / p.total) : 0;
    const filled = Math.round(fraction * WIDTH);
    const bar = p.total
      ? `|${"█".repeat(filled)}${" ".repeat(WIDTH - filled)}| ${(fraction * 100).toFixed(0).padStart(3)}%`
      : "";
    const amount = p.total ? `${formatBytes(p.loaded)} / ${formatBytes(p.total)}` : formatBytes(p.loaded);
    stream.write(`\r${p.file} ${bar} ${amount}\x1b[K${finished ? "\n" : ""}`);
  };
}
