// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Packages may only be imported through their public entry points, never `@strata/x/src/...`. */
const boundaryRules = {
  "no-restricted-imports": [
    "error",
    {
      patterns: [
        { group: ["@strata/*/src/*", "strata/src/*"], message: "Import the package's public entry, not its src/." },
        { group: ["**/packages/*/src/*", "../../*/src/*"], message: "Cross-package imports go through the package name." },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/.strata/**", "**/target/**", "**/fixtures/**/broken*", "packages/web/dist/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      ...boundaryRules,
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", performance: "readonly", setTimeout: "readonly", clearTimeout: "readonly" } },
  },
);
