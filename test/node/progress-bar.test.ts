// The download progress bar: binary units named as such, drawn only on a terminal.
import { describe, expect, it } from "vitest";
import { formatBytes, terminalProgressBar } from "../../src/node/progress-bar.js";

describe("progress bar", () => {
  it("says KiB / MiB / GiB for powers of 1024", () => {
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(114_377_896)).toBe("109.1 MiB"); // convnext-tiny-224's model.safetensors
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.00 GiB");
  });

  it("draws the bar and both amounts on a terminal, nothing elsewhere", () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    terminalProgressBar(tty)!({ file: "model.safetensors", loaded: 2 * 1024 ** 2, total: 4 * 1024 ** 2 });
    expect(written[0]).toContain("model.safetensors |████████████            |  50% 2.0 MiB / 4.0 MiB");
    expect(terminalProgressBar({ isTTY: false } as NodeJS.WriteStream)).toBeNull();
  });
});
