/**
 * `npm run mutate [-- <room>[,<room>…]] [stryker options]`: Stryker over the
 * modules of the rooms named (scripts/mutationRooms; every room without a
 * name), judged by those rooms' suites only, then the score per room
 * (scripts/mutationScore). Other arguments go to Stryker as they are:
 * `--incremental` (re-judge only what changed since the last run of the same
 * rooms), `--concurrency 1`, `--force`.
 *
 * Stryker 10 needs Node 22 and is the first to drive vitest 5 (9.6 ran no
 * test per mutant, so every mutant "survived"); it runs under the pinned
 * Node 22 of src/release/NodeBinary, the system Node being 20. Not part of CI.
 *
 * @since 0.1.0
 */
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { nodeBinary } from "../src/release/NodeBinary.js"
import { mutateGlobs, selectRooms } from "./mutationRooms.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const args = process.argv.slice(2)
const named = args[0] !== undefined && !args[0].startsWith("-") ? args.shift() : undefined
let rooms
try {
  rooms = selectRooms(named)
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(2)
}
if (rooms.every((r) => r.tests.length === 0)) {
  console.error(
    `No suite judges room ${rooms.map((r) => r.name).join(", ")} yet: list its in-process suites in scripts/mutationRooms.ts.`,
  )
  process.exit(2)
}
const names = rooms.map((r) => r.name).join(",")
const report = named === undefined ? "all" : rooms.map((r) => r.name).join("+")
const node = nodeBinary("linux-x64-22")
const env = {
  ...process.env,
  PATH: `${dirname(node)}:${process.env["PATH"] ?? ""}`,
  MUTATE_ROOMS: names,
  MUTATE_REPORT: report,
}
const stryker = join(root, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js")
const started = Date.now()
const run = spawnSync(node, [stryker, "run", "stryker.config.mjs", "--mutate", mutateGlobs(rooms).join(","), ...args], {
  cwd: root,
  env,
  stdio: "inherit",
})
if (run.status !== 0) process.exit(run.status ?? 1)
console.log(`\nRooms ${names}: ${((Date.now() - started) / 60_000).toFixed(1)} min`)
const score = spawnSync(
  process.execPath,
  [join(root, "dist", "scripts", "mutationScore.js"), join("reports", "mutation", `${report}.json`)],
  { cwd: root, stdio: "inherit" },
)
process.exit(score.status ?? 1)
