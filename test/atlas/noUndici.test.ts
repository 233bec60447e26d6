/**
 * The node:http transport must not load undici: on Node 20 the first touch
 * of `Headers`, `Response`, `fetch` or a Web stream loads it, which costs a
 * one-shot process (the plugin's reader, the CLI, a lookup script) tens of
 * milliseconds. Checked in a fresh process that reads jobs through the
 * Promise face (`layerNode`) in each auth mode, then reads
 * `process.moduleLoadList`.
 *
 * From Node 22 on, `node:http` itself loads undici, so there the check cannot
 * fail, and it says so.
 */
import { execFile } from "node:child_process"
import { mkdir, rm } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
import { build } from "esbuild"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"

const root = join(import.meta.dirname, "../..")
// Under node_modules so that the bundle's external imports resolve to the project's packages.
const work = join(root, "node_modules/.cache", `atlas-no-undici-${process.pid}`)
const entry = join(work, "index.mjs")

let emulator: RunningEmulator

beforeAll(async () => {
  await mkdir(work, { recursive: true })
  await build({
    entryPoints: [join(root, "src/index.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outfile: entry,
    logLevel: "silent",
  })
  emulator = await startEmulator({ rateLimit: false })
}, 60_000)

afterAll(async () => {
  await emulator?.stop()
  await rm(work, { recursive: true, force: true })
})

interface ChildReport {
  readonly jobs: ReadonlyArray<{ readonly mode: string; readonly id: string; readonly undici: boolean }>
  readonly baseline: boolean
  readonly undiciAfterResponse: boolean
}

describe("the node:http transport in a fresh process", () => {
  it("reads a job in every auth mode without loading undici", async () => {
    const credentials = emulator.credentials
    const modes = {
      accessToken: { accessToken: credentials.accessToken },
      digest: { publicKey: credentials.publicKey, privateKey: credentials.privateKey },
      serviceAccount: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
    }
    const ref = {
      groupId: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restoreJobId: EmulatorSeed.jobs.completed,
    }
    const program = `
      const undici = () => process.moduleLoadList.some((m) => m.includes("undici"))
      await import("node:http")
      const baseline = undici()
      const { getFlexRestoreJob } = await import(${JSON.stringify(`file://${entry}`)})
      const jobs = []
      for (const [mode, auth] of Object.entries(${JSON.stringify(modes)})) {
        const job = await getFlexRestoreJob(${JSON.stringify(ref)}, { baseUrl: ${JSON.stringify(emulator.url)}, auth, env: {} })
        jobs.push({ mode, id: job.id, undici: undici() })
      }
      // The positive control: the same check does see undici once a Web global is touched.
      void globalThis.Response
      process.stdout.write(JSON.stringify({ jobs, baseline, undiciAfterResponse: undici() }))
    `
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", program], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "" },
    })
    const report = JSON.parse(stdout) as ChildReport
    if (report.baseline)
      console.warn(
        `\n!!! Node ${process.version}: node:http itself loads undici, so this check proves nothing on it (it does on Node 20) !!!\n`,
      )
    expect(report.jobs).toStrictEqual(
      Object.keys(modes).map((mode) => ({ mode, id: EmulatorSeed.jobs.completed, undici: report.baseline })),
    )
    expect(report.undiciAfterResponse).toBe(true)
  }, 60_000)
})
