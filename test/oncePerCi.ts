/**
 * Suites that run once per CI run, in `.ci/run`'s first pass (the machine's
 * Node 20), and not again under the pinned Node 22 and 24: those whose
 * subject does not change with the Node that runs the tests (the provider
 * executable is always the pinned Node 24; the CDK CLIs run under the Node
 * each needs) and that cost minutes (builds, npm installs, terraform). The
 * library, the CLI and the launcher are tested under all three.
 *
 * Under another Node, the reason, printed loudly once per suite, for
 * `describe.skipIf`; `undefined` where the suite runs.
 * `ATLAS_FLEX_EVERY_PASS=1` runs them under any Node, and so does a mutation
 * run (`MUTATE_ROOMS`, set by scripts/mutate.ts, whose Stryker runs under Node 22).
 */
export const oncePerCi = (suite: string): string | undefined => {
  if (
    process.versions.node.split(".")[0] === "20" ||
    process.env["ATLAS_FLEX_EVERY_PASS"] === "1" ||
    process.env["MUTATE_ROOMS"] !== undefined
  )
    return undefined
  const reason = `this is Node ${process.versions.node}: ${suite} run once per CI run, in the Node 20 pass (ATLAS_FLEX_EVERY_PASS=1 runs them here)`
  console.warn(`\n!!! SKIPPED: ${reason} !!!\n`)
  return reason
}
