import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      "test/fixtures/",
      "bench/out/",
      "assembly/",
      "src/backend/wasm/kernels.generated.ts",
      "src/backend/wasm/weight-kernels.generated.ts",
      "src/backend/kernel-constants.generated.ts",
      "**/*.js",
      "!eslint.config.js",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ["**/*.mjs", "**/*.cjs"], languageOptions: { globals: globals.node } },
  { files: ["test/browser/*.mjs"], languageOptions: { globals: globals.browser } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The core runs in browsers, workers, Deno and Bun: no Node globals in it (which folder may import
    // which, and no node: modules outside src/node and src/cli, is checked by tools/layers.mjs).
    files: [
      "src/tensor/**",
      "src/ops/**",
      "src/model/**",
      "src/backend/**",
      "src/io/**",
      "src/web/**",
      "src/preprocess/**",
      "src/pretrained/**",
      "src/pipelines/**",
      "src/train/**",
      "src/core.ts",
    ],
    rules: {
      "no-restricted-globals": ["error", "process", "Buffer", "require", "__dirname", "__filename"],
    },
  },
);
