// A dedicated module Worker that runs the model (test/browser.test.ts): off the page's main thread the
// kernels' pool waits with Atomics.wait instead of spinning.
import { runModel } from "./run-model.mjs";

self.onmessage = async (event) => {
  try {
    self.postMessage({ result: await runModel(event.data) });
  } catch (error) {
    self.postMessage({ error: String(error?.stack ?? error) });
  }
};
