// Builds dist/ once before the tests, so CLI tests run the code under test (not a stale build); on a fresh
// clone (no `npm run build` yet) the generated WebAssembly kernels are compiled first.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export default function setup(): void {
  const generated = [
    "src/backend/wasm/kernels.generated.ts",
    "src/backend/wasm/weight-kernels.generated.ts",
    "src/backend/kernel-constants.generated.ts",
  ];
  if (!generated.every((f) => existsSync(f))) {
    execFileSync(process.execPath, ["assembly/build.mjs"], { stdio: "inherit" });
  }
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
