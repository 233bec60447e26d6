/**
 * End to end from CDKTF: the example app (`examples/cdktf`) synthesized here,
 * then `terraform init`, `plan` and `apply` in `cdktf.out/stacks/flex-restore`
 * through the bundled plugin, against the emulator in this process. cdktf
 * always writes a `backend` block, which needs `terraform init`; offline,
 * `init` installs our plugin from a filesystem mirror like any provider.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { App } from "cdktf"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { propsFromEnv, RestoreJobStack } from "../../examples/cdktf/RestoreJobStack.js"
import { toState } from "../../src/datasource/model.js"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { buildPlugin } from "./pluginProcess.js"
import type { BuiltPlugin } from "./pluginProcess.js"
import { baseEnv, mirrorConfig, runTerraform, terraformSuiteTitle, terraformVersion } from "./terraform.js"
import { defaultVersion } from "../cdktf/version.js"

const version = terraformVersion()

describe.skipIf(version === undefined)(
  terraformSuiteTitle(version, (v) => `the cdktf example through terraform ${v}`),
  () => {
    let plugin: BuiltPlugin
    let emulator: RunningEmulator
    let root: string

    beforeAll(async () => {
      ;[plugin, emulator] = await Promise.all([buildPlugin(), startEmulator({ host: "127.0.0.1", port: 0 })])
      root = mkdtempSync(join(tmpdir(), "atlas-provider-cdktf-"))
    })
    afterAll(async () => {
      await emulator?.stop()
      plugin?.cleanup()
      if (root) rmSync(root, { recursive: true, force: true })
    })

    it("synthesizes, then init, plan and apply read the job through the plugin", async () => {
      const outdir = join(root, "cdktf.out")
      const app = new App({ outdir })
      new RestoreJobStack(app, "flex-restore", propsFromEnv({ MONGODB_ATLAS_BASE_URL: emulator.url }))
      app.synth()
      const stackDir = join(outdir, "stacks", "flex-restore")
      expect(existsSync(join(stackDir, "cdk.tf.json"))).toBe(true)
      // Our provider under its own local name: the data source names it with `provider = atlasflex`.
      const synthesized = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as Record<string, any>
      expect(synthesized["terraform"]["required_providers"]).toStrictEqual({
        atlasflex: { source: PROVIDER_SOURCE, version: defaultVersion },
      })
      expect(synthesized["data"]["mongodbatlas_flex_restore_job"]["restore_job"]["provider"]).toBe("atlasflex")

      const rc = mirrorConfig(root, plugin.bin)
      const env = { ...baseEnv(rc, stackDir), MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken }
      const tf = (args: Array<string>) => runTerraform(stackDir, args, env)

      const init = await tf(["init", "-input=false", "-no-color"])
      expect(init.stderr).toBe("")
      expect(init.code).toBe(0)

      const plan = await tf(["plan", "-input=false", "-no-color"])
      expect(plan.stderr).toBe("")
      expect(plan.code).toBe(0)
      expect(plan.stdout).toContain("data.mongodbatlas_flex_restore_job.restore_job: Read complete")
      expect(plan.stdout).toContain("terraform_data.restored_snapshot will be created")

      const before = emulator.stats().apiRequests
      const apply = await tf(["apply", "-auto-approve", "-input=false", "-no-color"])
      expect(apply.stderr).toBe("")
      expect(apply.code).toBe(0)
      expect(emulator.stats().apiRequests).toBeGreaterThan(before)

      const output = await tf(["output", "-json"])
      const values = Object.fromEntries(
        Object.entries(JSON.parse(output.stdout) as Record<string, { value: unknown }>).map(([k, v]) => [k, v.value]),
      )
      const job = await (
        await fetch(
          `${emulator.url}/api/atlas/v2/groups/${EmulatorSeed.groupId}/flexClusters/${EmulatorSeed.clusterName}/backup/restoreJobs/${EmulatorSeed.jobs.completed}`,
          {
            headers: {
              accept: "application/vnd.atlas.2024-11-13+json",
              authorization: `Bearer ${emulator.credentials.accessToken}`,
            },
          },
        )
      ).json()
      const expected = toState(
        {
          project_id: EmulatorSeed.groupId,
          name: EmulatorSeed.clusterName,
          restore_job_id: EmulatorSeed.jobs.completed,
        },
        job as Record<string, never>,
      )
      const { project_id: _p, name: _n, restore_job_id: _r, ...computed } = expected
      // `terraform output -json` leaves out outputs whose value is null (snapshot_url of a RESTORE job).
      const known = Object.fromEntries(Object.entries(computed).filter(([, value]) => value !== null))
      expect(Object.keys(known).length).toBeGreaterThan(5)
      expect(values).toEqual({ ...known, completed: true })
      const state = readFileSync(join(stackDir, "terraform.tfstate"), "utf8")
      expect(state).not.toContain(emulator.credentials.accessToken)
    })
  },
)
