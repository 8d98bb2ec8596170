// Builds dist/ once before the tests, so CLI tests run the code under test (not a stale build).
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
