/**
 * A cdktn project as users have one: `cdktn@0.24.0` and `constructs` under
 * their own names, this package installed beside them, and no `cdktf`
 * anywhere it can resolve. It imports `atlas-flex-restore/cdktn` through the
 * package's exports, looks a job up at synth time, runs the example app
 * (`examples/cdktn`), and terraform inits and plans the synthesized stack
 * through our plugin (installed from a filesystem mirror) against the
 * emulator.
 *
 * The project is laid out in a temporary folder: the package as `npm pack`
 * would ship it (package.json and the built `dist/src` and example), and
 * links to this repository's installed `cdktn`, `constructs` (10.7.2, which
 * cdktn's `>=10.6.0 <10.8.0` accepts) and `effect`. No registry is reached.
 */
import { execFile } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { buildPlugin, repoRoot } from "../provider/pluginProcess.js"
import type { BuiltPlugin } from "../provider/pluginProcess.js"
import { baseEnv, mirrorConfig, runTerraform, terraformVersion } from "../provider/terraform.js"
import { defaultVersion } from "./version.js"

const version = terraformVersion()
if (version === undefined) {
  console.warn(
    "\n!!! terraform is not on PATH: the cdktn project's terraform plan is SKIPPED (its synth still runs). Install terraform >= 1.11 to run it. !!!\n",
  )
}

const check = `
import assert from "node:assert/strict"
import { TerraformStack, Testing } from "cdktn"
import { DataMongodbatlasFlexRestoreJob, MongodbatlasProvider, lookupFlexRestoreJob } from "atlas-flex-restore/cdktn"

assert.throws(() => import.meta.resolve("cdktf"), { code: "ERR_MODULE_NOT_FOUND" })
await assert.rejects(import("atlas-flex-restore/cdktf"), { code: "ERR_MODULE_NOT_FOUND" })

const ref = { projectId: "${EmulatorSeed.groupId}", name: "${EmulatorSeed.clusterName}", restoreJobId: "${EmulatorSeed.jobs.completed}" }
const stack = new TerraformStack(Testing.app(), "stack")
new DataMongodbatlasFlexRestoreJob(stack, "job", ref)
new MongodbatlasProvider(stack, "ours", { source: "app.terraform.io/acme/atlasflex" })
const json = JSON.parse(Testing.synth(stack, true))
const job = await lookupFlexRestoreJob(ref, { baseUrl: process.env.MONGODB_ATLAS_BASE_URL })
process.stdout.write(JSON.stringify({
  requiredProviders: json.terraform.required_providers,
  provider: json.data.mongodbatlas_flex_restore_job.job.provider,
  status: job.status,
}))
`

describe("a cdktn project without cdktf", () => {
  let plugin: BuiltPlugin | undefined
  let emulator: RunningEmulator
  let project: string
  let env: Record<string, string>
  const node = (args: Array<string>) =>
    promisify(execFile)(process.execPath, args, { cwd: project, env, encoding: "utf8", timeout: 60_000 })

  beforeAll(async () => {
    ;[plugin, emulator] = await Promise.all([
      version === undefined ? undefined : buildPlugin(),
      startEmulator({ host: "127.0.0.1", port: 0 }),
    ])
    project = mkdtempSync(join(tmpdir(), "atlas-flex-cdktn-project-"))
    const modules = join(project, "node_modules")
    const ours = join(modules, "atlas-flex-restore")
    mkdirSync(ours, { recursive: true })
    cpSync(join(repoRoot, "package.json"), join(ours, "package.json"))
    cpSync(join(repoRoot, "dist/src"), join(ours, "dist/src"), { recursive: true })
    cpSync(join(repoRoot, "dist/examples/cdktn"), join(ours, "dist/examples/cdktn"), { recursive: true })
    for (const name of ["cdktn", "constructs", "effect"])
      symlinkSync(join(repoRoot, "node_modules", name), join(modules, name))
    writeFileSync(join(project, "package.json"), JSON.stringify({ private: true, type: "module" }))
    writeFileSync(join(project, "check.mjs"), check)
    mkdirSync(join(project, "home"))
    env = {
      PATH: process.env["PATH"] ?? "",
      HOME: join(project, "home"),
      MONGODB_ATLAS_BASE_URL: emulator.url,
      MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
    }
  })
  afterAll(async () => {
    await emulator?.stop()
    plugin?.cleanup()
    if (project) rmSync(project, { recursive: true, force: true })
  })

  it("has cdktn and constructs under their own names, and no cdktf", () => {
    const versionOf = (name: string) =>
      (JSON.parse(readFileSync(join(project, "node_modules", name, "package.json"), "utf8")) as { version: string })
        .version
    expect(versionOf("cdktn")).toBe("0.24.0")
    expect(versionOf("constructs")).toMatch(/^10\.[67]\./)
    expect(existsSync(join(project, "node_modules", "cdktf"))).toBe(false)
  })

  it("imports atlas-flex-restore/cdktn, synthesizes with validations and looks a job up", async () => {
    const { stdout } = await node(["check.mjs"])
    expect(JSON.parse(stdout)).toStrictEqual({
      requiredProviders: { atlasflex: { source: "app.terraform.io/acme/atlasflex", version: defaultVersion } },
      provider: "atlasflex",
      status: "COMPLETED",
    })
  })

  it.skipIf(version === undefined)(
    `runs the example app, then terraform ${version} inits and plans its stack through our plugin`,
    async () => {
      await node(["node_modules/atlas-flex-restore/dist/examples/cdktn/main.js"])
      const stackDir = join(project, "cdktf.out", "stacks", "flex-restore-cdktn")
      const synthesized = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as Record<string, any>
      expect(synthesized["terraform"]["required_providers"]).toStrictEqual({
        atlasflex: { source: PROVIDER_SOURCE, version: defaultVersion },
      })

      const tfEnv = { ...baseEnv(mirrorConfig(project, plugin!.bin), stackDir), ...env }
      const init = await runTerraform(stackDir, ["init", "-input=false", "-no-color"], tfEnv)
      expect(init.stderr).toBe("")
      expect(init.code).toBe(0)
      const plan = await runTerraform(stackDir, ["plan", "-input=false", "-no-color"], tfEnv)
      expect(plan.stderr).toBe("")
      expect(plan.code).toBe(0)
      expect(plan.stdout).toContain("data.mongodbatlas_flex_restore_job.job: Read complete")
      expect(plan.stdout).toContain('status      = "COMPLETED"')
    },
  )
})
