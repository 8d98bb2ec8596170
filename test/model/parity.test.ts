// Every model fixture (outputs of the real transformers v4.37.2) reproduced through the library,
// within max|a - e| <= 1e-5 + 1e-5 * max|e| per tensor.
import { describe, expect, it } from "vitest";
import { expectParity, MODEL_FIXTURES, runFixture } from "../helpers/parity.js";

describe("parity with transformers v4.37.2 fixtures", () => {
  for (const name of MODEL_FIXTURES) {
    it(name, async () => {
      const worst = expectParity(name, await runFixture(name));
      console.log(
        `${name}: worst ${worst.key} at ${worst.ratio.toFixed(3)} x tolerance ` +
          `(max|diff| = ${worst.relative.toExponential(2)} x max|expected|)`,
      );
    });
  }

  it("hidden_states[-1] is last_hidden_state and hidden_states has num_stages + 1 entries", async () => {
    const out = await runFixture("tiny-classifier");
    expect(out.get("hidden_states.4")!.data).toEqual(out.get("last_hidden_state")!.data);
    expect(out.has("hidden_states.5")).toBe(false);
  });
});
