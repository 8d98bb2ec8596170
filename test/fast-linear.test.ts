// The classifier head on the wasm backend (src/backend/fast-linear.ts) against the reference kernel, on odd
// sizes: batches that leave 1-7 real pixels in the GEMM's last strip, rows not a multiple of 4, 1 and 2 threads.
import { afterAll, expect, it } from "vitest";
import "../src/backend/node.js";
import { configureBackend, disposeBackends, getBackend } from "../src/backend/backend.js";
import { fastLinear } from "../src/backend/features.js";
import { Linear } from "../src/model/layers.js";
import { Tensor } from "../src/tensor/tensor.js";
import { randomArray, relativeToMax } from "./helpers.js";

afterAll(() => {
  configureBackend({ backend: "auto", threads: 0 });
  disposeBackends();
});

it.each([1, 2])("matches the reference linear with %i thread(s)", (threads) => {
  configureBackend({ backend: "wasm", threads });
  expect(getBackend()?.name).toBe("wasm");
  for (const [N, K, M] of [
    [1, 37, 13],
    [3, 8, 1],
    [9, 100, 1003],
    [8, 768, 21],
  ]) {
    const head = new Linear(K, M);
    head.weight.data = randomArray(M * K, N + K, -0.3, 0.3);
    head.bias.data = randomArray(M, M, -0.1, 0.1);
    const x = new Tensor(randomArray(N * K, 7, -2, 2), [N, K]);
    const expected = head.forward(x);
    for (let pass = 0; pass < 2; pass++) {
      // the second pass reuses the workspace and the weights' heap copy
      const actual = fastLinear(head, x)!;
      expect(actual.shape).toEqual([N, M]);
      expect(relativeToMax(actual.data, expected.data)).toBeLessThan(1e-6);
    }
  }
});

it("leaves the pure-TS backend on the reference kernel", () => {
  configureBackend({ backend: "js", threads: 1 });
  expect(fastLinear(new Linear(4, 4), new Tensor(new Float32Array(4), [1, 4]))).toBeNull();
});
