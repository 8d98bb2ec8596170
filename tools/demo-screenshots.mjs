#!/usr/bin/env node
// Screenshots of the demo page for docs/ (`npm run build` first): the demo server with the bundled example
// model, Chromium at a desktop and a phone width, a real photo chosen through the file input.
//   node tools/demo-screenshots.mjs [--image examples/cats.png] [--out docs]
/* global document */ // in the page callbacks
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startDemoServer } from "../examples/web/serve.mjs";
import { chromiumExecutable } from "./browser.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const image = resolve(arg("image", join(root, "examples/cats.png")));
const out = resolve(arg("out", join(root, "docs")));
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]; // prettier-ignore

const demo = await startDemoServer({ model: join(root, "examples/model"), port: 0 });
const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: ARGS });
const state = (page, states) =>
  page.waitForFunction((s) => s.includes(document.getElementById("status").dataset.state), states, { timeout: 120_000 }); // prettier-ignore
try {
  for (const [name, viewport, scale] of [
    ["demo.png", { width: 1180, height: 900 }, 1],
    ["demo-phone.png", { width: 390, height: 844 }, 1],
  ]) {
    const page = await browser.newPage({ viewport, deviceScaleFactor: scale, colorScheme: "light" });
    await page.goto(demo.url);
    await state(page, ["ready"]);
    await page.setInputFiles('[data-testid="image-input"]', image);
    await state(page, ["done"]);
    await page.screenshot({ path: join(out, name), fullPage: true });
    console.log(`wrote ${join(out, name)}`);
    await page.close();
  }
} finally {
  await browser.close();
  await demo.close();
}
