/**
 * `npm start` from a fresh clone of the repository's HEAD, as a new user runs
 * it: only committed files, built from scratch. The clone borrows this
 * checkout's `node_modules` through a symlink; a clean `npm ci` is the CI
 * script's job (and needs the registry), this test is about the main job.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator } from "../src/emulator/index.js"
import { run } from "./package/packed.js"

const root = fileURLToPath(new URL("..", import.meta.url))
let clone: string

const npm = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env) =>
  run("npm", args, { cwd: clone, env, timeoutMillis: 300_000 })

const hasTerraform =
  spawnSync("terraform", ["version"], { env: { ...process.env, CHECKPOINT_DISABLE: "1" } }).status === 0
if (!hasTerraform) {
  console.warn(
    "\n!!! terraform is not on PATH: npm start's terraform steps are SKIPPED, and this test only checks that it says so. !!!\n",
  )
}

/** The environment of a new user: no Atlas credentials or ids. */
const userEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(MONGODB_ATLAS_|MCLI_|ATLAS_FLEX_)/.test(name)))

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), "atlas-flex-restore-clone-"))
  const git = spawnSync("git", ["clone", "--quiet", "--depth", "1", `file://${root}`, clone], { encoding: "utf8" })
  if (git.status !== 0) throw new Error(`git clone failed: ${git.stderr}`)
  symlinkSync(join(root, "node_modules"), join(clone, "node_modules"), "dir")
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: clone, encoding: "utf8" })
  if (build.status !== 0) throw new Error(`npm run build failed in a fresh clone:\n${build.stdout}${build.stderr}`)
}, 180_000)

afterAll(() => {
  if (clone) rmSync(clone, { recursive: true, force: true })
})

describe("npm start in a fresh clone", () => {
  it("runs the whole story offline, stops everything, exits 0 and leaves the clone clean", async () => {
    const ran = await npm(["start", "--silent"], userEnv())
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    const out = ran.stdout
    expect(out).toMatch(/runs against the local Atlas emulator at http:\/\/127\.0\.0\.1:\d+/)
    expect(out).toContain("66a0000000000000000000c1   66a0000000000000000005c1   flex-restored   RESTORE   COMPLETED")
    expect(out).toMatch(/\[\s*\d+\.\ds\] COMPLETED/)
    expect(out).toContain('data "mongodbatlas_flex_restore_job" "restore_job" {')
    expect(out).toMatch(/==> Stopped the emulator \(\d+ requests served/)
    expect(out).not.toMatch(/^\s+FAILED: /m)
    if (hasTerraform) {
      expect(out).toContain("Installed atlas-flex/mongodbatlas")
      expect(out).toContain("Plan: 1 to add, 0 to change, 0 to destroy.")
      expect(out).toContain("Apply complete! Resources: 1 added")
      expect(out).toMatch(/^\s+status\s+= "COMPLETED"$/m)
      expect(out).toMatch(/^\s+snapshot_id\s+= "66a0000000000000000005c1"$/m)
      expect(out).toMatch(/^\s+completed\s+= true$/m)
      expect(out).toMatch(/Done in [\d.]+s: 7 steps ok\.\n/)
    } else {
      expect(out).toContain("SKIPPED: terraform is not on PATH")
    }
    const status = spawnSync("git", ["status", "--porcelain", "--ignored=no"], { cwd: clone, encoding: "utf8" })
    expect(status.stdout).toBe("")
  })

  it("says what it skipped, and why, when terraform is missing", async () => {
    const env = userEnv()
    // PATH with node and npm only.
    env["PATH"] = [dirname(process.execPath), "/usr/bin", "/bin"]
      .filter((dir) => spawnSync(join(dir, "terraform"), ["version"]).error !== undefined)
      .join(delimiter)
    const ran = await npm(["start", "--silent"], env)
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    expect(ran.stdout).toContain("SKIPPED: terraform is not on PATH")
    expect(ran.stdout).toMatch(/Done in [\d.]+s: 3 steps ok, 4 skipped\./)
    expect(ran.stdout).toContain(
      "skipped: terraform init, terraform plan, terraform apply, outputs: terraform is not on PATH",
    )
  })

  it("with ATLAS_FLEX_* ids and credentials, runs against that Atlas (here: an emulator standing in for it)", async () => {
    const atlas = await startEmulator()
    try {
      const ran = await npm(["start", "--silent"], {
        ...userEnv(),
        ATLAS_FLEX_GROUP_ID: EmulatorSeed.groupId,
        ATLAS_FLEX_CLUSTER_NAME: EmulatorSeed.clusterName,
        ATLAS_FLEX_RESTORE_JOB_ID: EmulatorSeed.jobs.download,
        MONGODB_ATLAS_BASE_URL: atlas.url,
        MONGODB_ATLAS_CLIENT_ID: atlas.credentials.clientId,
        MONGODB_ATLAS_CLIENT_SECRET: atlas.credentials.clientSecret,
      })
      expect(ran.code, ran.stdout + ran.stderr).toBe(0)
      expect(ran.stdout).toContain(`runs against MongoDB Atlas (${atlas.url})`)
      expect(ran.stdout).not.toContain("Stopped the emulator")
      expect(ran.stdout).toContain(`--restore-job-id ${EmulatorSeed.jobs.download}`)
      if (hasTerraform) expect(ran.stdout).toMatch(/^\s+delivery_type\s+= "DOWNLOAD"$/m)
      expect(ran.stdout + ran.stderr).not.toContain(atlas.credentials.clientSecret)
      expect(atlas.stats().tokensIssued).toBeGreaterThan(0)
    } finally {
      await atlas.stop()
    }
  })

  it("refuses a half-configured Atlas target with exit 2, naming what is missing", async () => {
    const ran = await npm(["start", "--silent"], { ...userEnv(), ATLAS_FLEX_GROUP_ID: "6650f1a2b3c4d5e6f7a8b9c0" })
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain("missing: ATLAS_FLEX_CLUSTER_NAME, ATLAS_FLEX_RESTORE_JOB_ID")
  })
})
