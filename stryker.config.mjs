// Mutation testing (`npm run mutate`, not in CI): Stryker 10 (under the pinned Node 22, see scripts/mutate.ts)
// mutates the modules below and runs the fast unit suites of vitest.mutate.config.ts against each mutant.
// scripts/mutationScore.ts prints the score per folder.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts" },
  plugins: ["@stryker-mutator/vitest-runner"],
  coverageAnalysis: "perTest",
  // TypeScript 7 (native tsc) has no JS API for Stryker's tsconfig rewriting, which a sandbox does not need
  // (vitest transpiles without tsconfig paths): point it at no file.
  tsconfigFile: "tsconfig.stryker-none.json",
  // vitest transpiles without type checks: no `// @ts-nocheck` needed (it would also break the generated-code test).
  disableTypeChecks: false,
  // Module-level code (schemas, constants) runs once at import: such "static" mutants can only be judged by
  // a full run with fresh modules each, which took 88% of the time. They are left out of the score.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10_000,
  // The Atlas client, the data source (its plugin part holds the Atlas diagnostics mapping), and the generic
  // tfplugin6 server's cty codec and diagnostics.
  mutate: [
    "src/atlas/**/*.ts",
    "src/datasource/**/*.ts",
    "src/provider/tfplugin6/CtyMsgpack.ts",
    "src/provider/tfplugin6/Diagnostic.ts",
  ],
  reporters: ["clear-text", "json", "progress-append-only"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true },
  ignorePatterns: [".cache", "dist", "bench", "reports"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
}
