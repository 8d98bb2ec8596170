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
    // The core must run in browsers and bundlers: no Node-only modules in it.
    files: [
      "src/tensor/**",
      "src/ops/**",
      "src/model/**",
      "src/backend/**",
      "src/pipelines/**",
      "src/web/**",
      "src/preprocess/**",
      "src/io/safetensors.ts",
      "src/io/checkpoint.ts",
      "src/io/model-files.ts",
      "src/core.ts",
    ],
    ignores: ["src/backend/node.ts", "src/backend/node-pool.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["node:*", "fs", "path", "os", "worker_threads", "*/io/files*"] }],
      "no-restricted-globals": ["error", "process", "Buffer", "require"],
    },
  },
);
