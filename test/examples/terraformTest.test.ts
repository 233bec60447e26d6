/**
 * `examples/terraform-test`: a configuration and its `terraform test` files,
 * run by the real terraform through our plugin (dev_overrides): the one that
 * reads the emulator, the one with `override_data` and no Atlas and no
 * credentials at all (the real provider is configured, nothing is read), and
 * the one with `mock_provider` (no provider process).
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { buildPlugin, repoRoot } from "../provider/pluginProcess.js"
import type { BuiltPlugin } from "../provider/pluginProcess.js"
import { baseEnv, cliConfig, runTerraform, terraformSuiteTitle, terraformVersion } from "../provider/terraform.js"

const version = terraformVersion()

describe.skipIf(version === undefined)(
  terraformSuiteTitle(version, (v) => `examples/terraform-test through terraform ${v} test`),
  () => {
    let plugin: BuiltPlugin
    let emulator: RunningEmulator
    let dir: string

    beforeAll(async () => {
      ;[plugin, emulator] = await Promise.all([buildPlugin(), startEmulator({ host: "127.0.0.1", port: 0 })])
      dir = mkdtempSync(join(tmpdir(), "atlas-flex-tftest-"))
      cpSync(join(repoRoot, "examples", "terraform-test"), dir, { recursive: true })
    })
    afterAll(async () => {
      await emulator?.stop()
      plugin?.cleanup()
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    /** `terraform test` of one file; `atlas` adds the emulator's URL and a token to the environment. */
    const test = (file: string, atlas: boolean, args: Array<string> = []) =>
      runTerraform(dir, ["test", "-no-color", `-filter=tests/${file}`, ...args], {
        ...baseEnv(cliConfig(dir, plugin.binDir), dir),
        HOME: dir,
        ...(atlas
          ? { MONGODB_ATLAS_BASE_URL: emulator.url, MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken }
          : {}),
      })

    it("atlas.tftest.hcl reads the completed job from the emulator", async () => {
      const before = emulator.stats().apiRequests
      const result = await test("atlas.tftest.hcl", true)
      expect(result.stdout).toContain('run "reads_the_completed_job"... pass')
      expect(result.stdout).toContain("Success! 1 passed, 0 failed.")
      expect(result.code).toBe(0)
      expect(emulator.stats().apiRequests).toBeGreaterThan(before)
    })

    it("atlas.tftest.hcl fails on a job that has not completed", async () => {
      const result = await test("atlas.tftest.hcl", true, ["-var", `restore_job_id=${EmulatorSeed.jobs.running}`])
      expect(result.stdout + result.stderr).toContain("The restore job is RUNNING, not COMPLETED.")
      expect(result.code).toBe(1)
    })

    it("override.tftest.hcl passes with no Atlas and no credentials: the provider configures, nothing is read", async () => {
      const before = emulator.stats().apiRequests
      const result = await test("override.tftest.hcl", false)
      expect(result.stderr.replace(/╷[^]*?Provider development overrides are in effect[^]*?╵\n*/, "")).toBe("")
      expect(result.stdout).toContain('run "an_unfinished_restore_is_not_restored"... pass')
      expect(result.stdout).toContain("Success! 1 passed, 0 failed.")
      expect(result.code).toBe(0)
      expect(emulator.stats().apiRequests).toBe(before)
    })

    it("without override_data and credentials, the read fails with the missing-credentials message and hint", async () => {
      const result = await test("atlas.tftest.hcl", false)
      const output = (result.stdout + result.stderr).replace(/\s+/g, " ")
      expect(output).toContain(
        "Authentication failed: no Atlas credentials configured: set MONGODB_ATLAS_ACCESS_TOKEN,",
      )
      expect(output).toContain(
        "Configure one of: access_token; client_id and client_secret; public_key and private_key",
      )
      expect(output).toContain("with data.mongodbatlas_flex_restore_job.this")
      expect(result.code).toBe(1)
    })

    it("mock.tftest.hcl passes with mock_provider", async () => {
      const result = await test("mock.tftest.hcl", false)
      expect(result.stdout).toContain('run "a_completed_restore_is_restored"... pass')
      expect(result.stdout).toContain("Success! 1 passed, 0 failed.")
      expect(result.code).toBe(0)
    })
  },
)
