// What the accuracy scripts share: the test corpus's 40 real photos as convnext-tiny-224's pixel_values
// (test/fixtures/preprocess-photos: ConvNextImageProcessor at 224, bicubic), and the error measures.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConvNextImageProcessor, loadImage } from "../dist/index.js";

const root = new URL("..", import.meta.url).pathname;

/** pixel_values [40, 3, 224, 224] of the photos. */
export async function photoPixels() {
  const fixture = join(root, "test/fixtures/preprocess-photos/config-224-bicubic");
  const index = JSON.parse(readFileSync(join(fixture, "index.json"), "utf8"));
  const processor = await ConvNextImageProcessor.fromPretrained(fixture);
  const images = [];
  for (const e of index.images) images.push(await loadImage(join(root, "test/fixtures/images", e.path)));
  return processor.preprocess(images).pixelValues;
}

/** Relative L2 error ||a - e|| / ||e|| over elements [from, to). */
export function relL2(a, e, from = 0, to = e.length) {
  let d = 0;
  let s = 0;
  for (let i = from; i < to; i++) {
    d += (a[i] - e[i]) ** 2;
    s += e[i] ** 2;
  }
  return Math.sqrt(d / s);
}

/** How many of the N rows of a and e ([N, L]) have the same largest entry. */
export function top1Agreement(a, e, N) {
  const L = e.length / N;
  const argmax = (x, from) => {
    let best = 0;
    for (let i = 1; i < L; i++) if (x[from + i] > x[from + best]) best = i;
    return best;
  };
  let same = 0;
  for (let i = 0; i < N; i++) if (argmax(a, i * L) === argmax(e, i * L)) same++;
  return same;
}
