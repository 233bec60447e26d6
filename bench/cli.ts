/**
 * Benchmark of the CLI (issue 5): wall time of one invocation, measured side
 * by side in interleaved rounds so machine load hits every variant alike:
 * - `--version` and a `get` against the emulator, from the esbuild bundle that
 *   `bin/atlas-flex-restore.js` loads and from the unbundled `dist/src`;
 * - the floor: bare Node, and Node parsing the same flags with `node:util`
 *   `parseArgs` (what the CLI would cost with no Effect at all).
 * Run after `npm run build`.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { EmulatorSeed, startEmulator } from "../src/emulator/index.js"
import { median } from "./row.js"
import type { BenchRow } from "./row.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const bundle = `${root}dist/cli/atlas-flex-restore.mjs`
const unbundled = `${root}dist/src/cli/main.js`

const time = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: "ignore" })
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0 ? resolve(performance.now() - start) : reject(new Error(`${args.join(" ")} exited ${code}`)),
    )
  })

const parseArgsFloor = `
import { parseArgs } from "node:util"
const { values } = parseArgs({ args: process.argv.slice(1), options: { version: { type: "boolean" } }, strict: false })
if (values.version) process.stdout.write("atlas-flex-restore 0.1.0\\n")
`

export async function run(): Promise<Array<BenchRow>> {
  const emulator = await startEmulator({ rateLimit: false })
  const env = {
    PATH: process.env["PATH"] ?? "",
    MONGODB_ATLAS_BASE_URL: emulator.url,
    MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
  }
  const get = [
    "get",
    "--group-id",
    EmulatorSeed.groupId,
    "--name",
    EmulatorSeed.clusterName,
    "--restore-job-id",
    EmulatorSeed.jobs.completed,
  ]
  const variants: Record<string, ReadonlyArray<string>> = {
    node: ["-e", "0"],
    parseArgs: ["--input-type=module", "-e", parseArgsFloor, "--", "--version"],
    bundleVersion: [bundle, "--version"],
    unbundledVersion: [unbundled, "--version"],
    bundleGet: [bundle, ...get],
    unbundledGet: [unbundled, ...get],
  }
  const samples: Record<string, Array<number>> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
  try {
    for (let round = 0; round < 9; round++) {
      for (const [name, args] of Object.entries(variants)) samples[name]!.push(await time(args, env))
    }
  } finally {
    await emulator.stop()
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)])) as Record<string, number>
  const ms = (name: string, value: number, note: string): BenchRow => ({ issue: 5, name, value, unit: "ms", note })
  const ratio = (name: string, value: number, note: string): BenchRow => ({ issue: 5, name, value, unit: "x", note })
  return [
    ms("cli --version (bundle)", m["bundleVersion"]!, "median of 9, interleaved"),
    ms("cli get vs emulator (bundle)", m["bundleGet"]!, "one request, access token"),
    ms("node -e 0", m["node"]!, "floor: bare Node start"),
    ms("node:util parseArgs --version", m["parseArgs"]!, "floor: a CLI without Effect"),
    ratio("cli --version: unbundled / bundle", m["unbundledVersion"]! / m["bundleVersion"]!, "what the bundle saves"),
    ratio("cli get: unbundled / bundle", m["unbundledGet"]! / m["bundleGet"]!, "what the bundle saves"),
    ratio("cli --version: bundle / parseArgs floor", m["bundleVersion"]! / m["parseArgs"]!, "cost of effect/cli"),
  ]
}
