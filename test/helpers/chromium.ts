// Chromium for the browser tests of the web product (demo, hub loader, Worker API): Debian's chromium driven by
// playwright-core, with the flags this machine's closed network needs. Without a Chromium the tests are skipped
// (set CHROMIUM_PATH, or install Debian's chromium), unless CONVNEXT_BROWSER_TESTS=required (CI), where that fails.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { chromiumExecutable } from "../../tools/browser.mjs";

export const executable = chromiumExecutable();
export const browserTestsRequired = process.env.CONVNEXT_BROWSER_TESTS === "required";
/** Skip the suite: no Chromium and not required. */
export const skipBrowserTests = !executable && !browserTestsRequired;
if (skipBrowserTests) {
  console.warn("browser tests skipped: no Chromium (set CHROMIUM_PATH or install Debian's chromium)");
}

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export async function launchChromium(): Promise<Browser> {
  if (!executable) throw new Error("CONVNEXT_BROWSER_TESTS=required but no Chromium found (set CHROMIUM_PATH)");
  return chromium.launch({ executablePath: executable, args: ARGS });
}

/** A browser profile of its own (Cache API, HTTP cache) that outlives its pages and survives a restart. */
export async function persistentProfile(): Promise<{
  open(): Promise<BrowserContext>;
  remove(): void;
}> {
  if (!executable) throw new Error("CONVNEXT_BROWSER_TESTS=required but no Chromium found (set CHROMIUM_PATH)");
  const dir = mkdtempSync(join(tmpdir(), "convnext-chromium-"));
  return {
    open: () => chromium.launchPersistentContext(dir, { executablePath: executable, args: ARGS }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
