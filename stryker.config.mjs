// Mutation testing (`npm run mutate [-- <room>[,<room>]] [--incremental]`, not in CI): Stryker 10 (under the pinned
// Node 22, see scripts/mutate.ts) mutates the modules of the rooms asked for (scripts/mutationRooms.ts, passed as
// `--mutate`) and runs those rooms' fast unit suites (vitest.mutate.config.ts) against each mutant.
// scripts/mutationScore.ts prints the score per room. MUTATE_REPORT names the run's JSON report and incremental file.
const report = process.env.MUTATE_REPORT ?? "all"
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  // Child processes, as `npm test` runs them (vitest's default): the runner's default, worker threads, cannot set
  // process.umask(), which the install's file-mode tests need.
  // `related: false`: run every test that covered the mutant. Vitest's related mode (Stryker's default) keeps only
  // the test files whose static imports reach the mutated file, and drops those that load it afresh
  // (`loadFresh` of test/fresh.ts: `import("<file>.ts?fresh=N")`); a mutant with no test left "survived" though its covering test fails on it.
  vitest: { configFile: "vitest.mutate.config.ts", pool: "forks", related: false },
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
  // `mutate` comes from scripts/mutate.ts (the rooms' folders); nothing is mutated without it.
  mutate: [],
  // `--incremental` keeps each run's results here (reports/ is git-ignored) and re-judges only the mutants whose
  // code or covering tests changed since.
  incrementalFile: `reports/mutation/${report}.incremental.json`,
  reporters: ["clear-text", "json", "progress-append-only"],
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true },
  ignorePatterns: [".cache", "dist", "bench", "reports"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
}
