/**
 * `npm run mutate`: Stryker over the modules named in stryker.config.mjs, then
 * the score per folder (scripts/mutationScore). Stryker 10 needs Node 22 and
 * is the first to drive vitest 5 (9.6 ran no test per mutant, so every mutant
 * "survived"); it runs under the pinned Node 22 of src/release/NodeBinary, the
 * system Node being 20. Not part of CI: two busy cores take tens of minutes.
 *
 * @since 0.1.0
 */
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { nodeBinary } from "../src/release/NodeBinary.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const node = nodeBinary("linux-x64-22")
const env = { ...process.env, PATH: `${dirname(node)}:${process.env["PATH"] ?? ""}` }
const stryker = join(root, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js")
const run = spawnSync(node, [stryker, "run", "stryker.config.mjs", ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: "inherit",
})
if (run.status !== 0) process.exit(run.status ?? 1)
const score = spawnSync(process.execPath, [join(root, "dist", "scripts", "mutationScore.js")], {
  cwd: root,
  stdio: "inherit",
})
process.exit(score.status ?? 1)
