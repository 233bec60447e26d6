/**
 * End to end: the real terraform starts the bundled plugin through
 * `dev_overrides` and reads restore jobs from the emulator running in this
 * process.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { toState } from "../../src/datasource/model.js"
import { PROVIDER_SOURCE, providerSchemaJson } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { Summaries } from "../../src/datasource/plugin/AtlasDiagnostics.js"
import { buildPlugin } from "./pluginProcess.js"
import type { BuiltPlugin } from "./pluginProcess.js"
import {
  baseEnv,
  cliConfig,
  mainTf,
  runTerraform,
  seededRef,
  terraformSuiteTitle,
  terraformVersion,
  workdir,
} from "./terraform.js"

const version = terraformVersion()

describe.skipIf(version === undefined)(
  terraformSuiteTitle(version, (v) => `terraform ${v} through the plugin`),
  () => {
    let plugin: BuiltPlugin
    let emulator: RunningEmulator
    let root: string
    let cli: string
    const secrets = () => [
      emulator.credentials.privateKey,
      emulator.credentials.clientSecret,
      emulator.credentials.accessToken,
    ]

    beforeAll(async () => {
      ;[plugin, emulator] = await Promise.all([buildPlugin(), startEmulator({ host: "127.0.0.1", port: 0 })])
      root = mkdtempSync(join(tmpdir(), "atlas-provider-e2e-"))
      cli = cliConfig(root, plugin.binDir)
    })
    afterAll(async () => {
      await emulator?.stop()
      plugin?.cleanup()
      if (root) rmSync(root, { recursive: true, force: true })
    })

    const tf = (dir: string, args: Array<string>, env: Record<string, string> = {}) =>
      runTerraform(
        dir,
        [...args, "-no-color"].filter((a) => a !== "-no-color" || args[0] !== "output"),
        {
          ...baseEnv(cli, dir),
          ...env,
        },
      )

    /** The job exactly as the emulator serves it, read with raw fetch. */
    const emulatorJob = async (id: string) => {
      const response = await fetch(
        `${emulator.url}/api/atlas/v2/groups/${seededRef.project_id}/flexClusters/${seededRef.name}/backup/restoreJobs/${id}`,
        {
          headers: {
            accept: "application/vnd.atlas.2024-11-13+json",
            authorization: `Bearer ${emulator.credentials.accessToken}`,
          },
        },
      )
      expect(response.status).toBe(200)
      return (await response.json()) as Record<string, never>
    }

    const applyAndCompare = async (dir: string, env: Record<string, string> = {}) => {
      const apply = await tf(dir, ["apply", "-auto-approve"], env)
      expect(apply.stderr).toBe("")
      expect(apply.code).toBe(0)
      const output = await tf(dir, ["output", "-json"], env)
      expect(output.code).toBe(0)
      expect(JSON.parse(output.stdout).job.value).toEqual(
        toState(seededRef, await emulatorJob(seededRef.restore_job_id)),
      )
      const everything = apply.stdout + output.stdout + readFileSync(join(dir, "terraform.tfstate"), "utf8")
      for (const secret of secrets()) expect(everything).not.toContain(secret)
    }

    const c = () => emulator.credentials
    const modes: ReadonlyArray<{ name: string; block: () => string; env: () => Record<string, string> }> = [
      {
        name: "API key in the provider block",
        block: () =>
          `  base_url = "${emulator.url}"\n  public_key = "${c().publicKey}"\n  private_key = "${c().privateKey}"`,
        env: () => ({}),
      },
      {
        name: "service account in the provider block",
        block: () =>
          `  base_url = "${emulator.url}"\n  client_id = "${c().clientId}"\n  client_secret = "${c().clientSecret}"`,
        env: () => ({}),
      },
      {
        name: "access token in the provider block",
        block: () => `  base_url = "${emulator.url}"\n  access_token = "${c().accessToken}"`,
        env: () => ({}),
      },
      {
        name: "API key from the environment",
        block: () => "",
        env: () => ({
          MONGODB_ATLAS_BASE_URL: emulator.url,
          MONGODB_ATLAS_PUBLIC_API_KEY: c().publicKey,
          MONGODB_ATLAS_PRIVATE_API_KEY: c().privateKey,
        }),
      },
      {
        name: "service account from the environment",
        block: () => "",
        env: () => ({
          MONGODB_ATLAS_BASE_URL: emulator.url,
          MONGODB_ATLAS_CLIENT_ID: c().clientId,
          MONGODB_ATLAS_CLIENT_SECRET: c().clientSecret,
        }),
      },
      {
        name: "access token from the environment",
        block: () => "",
        env: () => ({ MONGODB_ATLAS_BASE_URL: emulator.url, MONGODB_ATLAS_ACCESS_TOKEN: c().accessToken }),
      },
    ]

    it("plans: the data source is read during plan, its values shown", async () => {
      const dir = workdir(root, mainTf(modes[0]!.block()))
      const plan = await tf(dir, ["plan"])
      expect(plan.stderr).toBe("")
      expect(plan.code).toBe(0)
      expect(plan.stdout).toContain("data.mongodbatlas_flex_restore_job.this: Read complete")
      expect(plan.stdout).toMatch(/\+ status = "COMPLETED"/)
      expect(plan.stdout).toMatch(/\+ job {4}= \(sensitive value\)/)
      for (const secret of secrets()) expect(plan.stdout).not.toContain(secret)
    })

    it("snapshot_url is sensitive: an output of it needs sensitive = true, and then shows (sensitive value)", async () => {
      const link = (await emulatorJob(EmulatorSeed.jobs.download))["snapshotUrl"] as string
      expect(link).toMatch(/^https:\/\//)
      const withOutput = (sensitive: boolean) =>
        mainTf(modes[0]!.block(), { restore_job_id: EmulatorSeed.jobs.download }) +
        `output "link" {\n  value = data.mongodbatlas_flex_restore_job.this.snapshot_url\n` +
        (sensitive ? "  sensitive = true\n}\n" : "}\n")
      const refused = await tf(workdir(root, withOutput(false)), ["plan"])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain("Output refers to sensitive values")
      const dir = workdir(root, withOutput(true))
      const plan = await tf(dir, ["plan"])
      expect(plan.code, plan.stderr).toBe(0)
      expect(plan.stdout).toMatch(/\+ link {3}= \(sensitive value\)/)
      expect(plan.stdout).not.toContain(link)
      // The person who asks for it gets it: terraform output -raw after an apply.
      expect((await tf(dir, ["apply", "-auto-approve"])).code).toBe(0)
      expect((await tf(dir, ["output", "-raw", "link"])).stdout).toBe(link)
      const state = JSON.parse((await tf(dir, ["show", "-json"])).stdout)
      const data = state.values.root_module.resources.find((r: { mode: string }) => r.mode === "data")
      expect(data.sensitive_values).toMatchObject({ snapshot_url: true })
    })

    it("the ephemeral resource: its snapshot_url feeds a provisioner at apply, and neither plan nor state holds it", async () => {
      const link = (await emulatorJob(EmulatorSeed.jobs.download))["snapshotUrl"] as string
      expect(link).toMatch(/^https:\/\//)
      const main = `terraform {
  required_providers {
    mongodbatlas = { source = "${PROVIDER_SOURCE}" }
  }
}

provider "mongodbatlas" {
${modes[0]!.block()}
}

ephemeral "mongodbatlas_flex_restore_job" "download" {
  project_id     = "${seededRef.project_id}"
  name           = "${seededRef.name}"
  restore_job_id = "${EmulatorSeed.jobs.download}"
}

locals {
  link = ephemeral.mongodbatlas_flex_restore_job.download.snapshot_url
}

resource "terraform_data" "fetch" {
  # Ephemeral values may feed provisioners, not resource arguments.
  provisioner "local-exec" {
    command     = "printenv LINK > fetched.txt"
    environment = { LINK = local.link }
  }
}
`
      const dir = workdir(root, main)
      const plan = await tf(dir, ["plan", "-out", "tfplan"])
      expect(plan.code, plan.stderr).toBe(0)
      const apply = await tf(dir, ["apply", "tfplan"])
      expect(apply.code, apply.stderr).toBe(0)
      // The apply-time use got the link...
      expect(readFileSync(join(dir, "fetched.txt"), "utf8")).toBe(`${link}\n`)
      // ...which no plan, state, output or log line holds.
      const shownPlan = await tf(dir, ["show", "-json", "tfplan"])
      const shownState = await tf(dir, ["show", "-json"])
      expect(shownState.code).toBe(0)
      const state = JSON.parse(shownState.stdout)
      expect(state.values.root_module.resources.map((r: { address: string }) => r.address)).toEqual([
        "terraform_data.fetch",
      ])
      for (const text of [
        plan.stdout,
        apply.stdout,
        shownPlan.stdout,
        shownState.stdout,
        readFileSync(join(dir, "terraform.tfstate"), "utf8"),
        readFileSync(join(dir, "tfplan"), "latin1"),
      ])
        for (const part of [link, link.slice(-20)]) expect(text).not.toContain(part)
      // Only the resource is stored (the data source would have been, snapshot_url marked sensitive).
      const stored = JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")) as {
        resources: Array<{ mode: string; type: string }>
      }
      expect(stored.resources.map((r) => `${r.mode}.${r.type}`)).toEqual(["managed.terraform_data"])
    })

    it("the ephemeral resource refuses a bad id before any request, on its attribute", async () => {
      const before = emulator.stats()
      const dir = workdir(
        root,
        `terraform {\n  required_providers {\n    mongodbatlas = { source = "${PROVIDER_SOURCE}" }\n  }\n}\n` +
          `provider "mongodbatlas" {\n${modes[0]!.block()}\n}\n` +
          `ephemeral "mongodbatlas_flex_restore_job" "bad" {\n  project_id = "${seededRef.project_id}"\n` +
          `  name = "${seededRef.name}"\n  restore_job_id = "not-a-job-id"\n}\n`,
      )
      const plan = await tf(dir, ["plan"])
      expect(plan.code).toBe(1)
      expect(plan.stderr).toContain("restore_job_id")
      expect(plan.stderr).toContain('ephemeral "mongodbatlas_flex_restore_job" "bad"')
      expect(emulator.stats().requests).toBe(before.requests)
    })

    for (const mode of modes) {
      it(`applies, and terraform output equals the emulator's job mapped: ${mode.name}`, async () => {
        const before = emulator.stats()
        await applyAndCompare(workdir(root, mainTf(mode.block())), mode.env())
        const after = emulator.stats()
        expect(after.apiRequests).toBeGreaterThan(before.apiRequests)
        if (mode.name.startsWith("service account")) expect(after.tokensIssued).toBeGreaterThan(before.tokensIssued)
        if (mode.name.startsWith("API key")) expect(after.digestChallenges).toBeGreaterThan(before.digestChallenges)
      })
    }

    it("reads with an unknown provider block (built from a resource), falling back to the environment", async () => {
      const main = mainTf(`  base_url = terraform_data.later.output`).replace(
        'provider "mongodbatlas"',
        'resource "terraform_data" "later" {\n  input = "unused"\n}\n\nprovider "mongodbatlas"',
      )
      const dir = workdir(root, main)
      const plan = await tf(dir, ["plan"], {
        MONGODB_ATLAS_BASE_URL: emulator.url,
        MONGODB_ATLAS_ACCESS_TOKEN: c().accessToken,
      })
      expect(plan.stderr).toBe("")
      expect(plan.code).toBe(0)
      expect(plan.stdout).toContain("Read complete")
    })

    it("a malformed id: a diagnostic on that attribute, and no HTTP request at all", async () => {
      const dir = workdir(root, mainTf(modes[2]!.block(), { restore_job_id: "not-a-job-id" }))
      const before = emulator.stats().requests
      const plan = await tf(dir, ["plan"])
      expect(plan.code).toBe(1)
      expect(plan.stderr).toContain(`Error: ${Summaries.InvalidRequest}`)
      // With an attribute path terraform quotes the attribute's own line.
      expect(plan.stderr).toContain('restore_job_id = "not-a-job-id"')
      expect(plan.stderr).toContain("24 lower-case hexadecimal digits")
      expect(emulator.stats().requests).toBe(before)
    })

    it("an unknown job: a not-found diagnostic with Atlas's error code", async () => {
      const dir = workdir(root, mainTf(modes[2]!.block(), { restore_job_id: "66a0000000000000000000ee" }))
      const plan = await tf(dir, ["plan"])
      expect(plan.code).toBe(1)
      expect(plan.stderr).toContain(`Error: ${Summaries.NotFound}`)
      expect(plan.stderr).toContain("Atlas error code: RESOURCE_NOT_FOUND")
    })

    it("a non-flex cluster: the hint, on the name attribute", async () => {
      const dir = workdir(root, mainTf(modes[2]!.block(), { name: EmulatorSeed.dedicatedClusterName }))
      const plan = await tf(dir, ["plan"])
      expect(plan.code).toBe(1)
      expect(plan.stderr).toContain(`Error: ${Summaries.BadRequest}`)
      expect(plan.stderr).toContain("CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API")
      expect(plan.stderr).toContain("is not a flex cluster")
      expect(plan.stderr).toContain(`name           = "${EmulatorSeed.dedicatedClusterName}"`)
    })

    it("bad credentials: an authentication diagnostic that shows no secret", async () => {
      const wrong = "wrong-private-key-0123456789"
      const dir = workdir(
        root,
        mainTf(`  base_url = "${emulator.url}"\n  public_key = "${c().publicKey}"\n  private_key = "${wrong}"`),
      )
      const plan = await tf(dir, ["plan"])
      expect(plan.code).toBe(1)
      expect(plan.stderr).toContain(`Error: ${Summaries.Unauthorized}`)
      expect(plan.stderr + plan.stdout).not.toContain(wrong)
      const none = workdir(root, mainTf(`  base_url = "${emulator.url}"`))
      const missing = await tf(none, ["plan"])
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain(`Error: ${Summaries.AuthError}`)
      expect(missing.stderr).toContain("MONGODB_ATLAS_ACCESS_TOKEN")
    })

    it("one long-lived plugin (--debug, TF_REATTACH_PROVIDERS) takes each command's configuration afresh", async () => {
      const debug = spawn(plugin.bin, ["--debug"], {
        env: { PATH: process.env["PATH"] ?? "" },
        stdio: ["ignore", "pipe", "pipe"],
      })
      try {
        const reattach = await new Promise<string>((resolve, reject) => {
          let out = ""
          debug.stdout!.setEncoding("utf8").on("data", (d: string) => {
            out += d
            const m = /TF_REATTACH_PROVIDERS='(.*)'/.exec(out)
            if (m) resolve(m[1]!)
          })
          debug.on("exit", (code) => reject(new Error(`debug plugin exited ${code}`)))
        })
        const env = { TF_REATTACH_PROVIDERS: reattach }
        const good = workdir(root, mainTf(modes[2]!.block()))
        const bad = workdir(root, mainTf(`  base_url = "${emulator.url}"\n  access_token = "not-the-token"`))
        const first = await tf(good, ["plan"], env)
        expect(first.code).toBe(0)
        const second = await tf(bad, ["plan"], env)
        expect(second.code).toBe(1)
        expect(second.stderr).toContain(`Error: ${Summaries.Unauthorized}`)
        const third = await tf(good, ["plan"], env)
        expect(third.code).toBe(0)
        expect(third.stdout).toContain("Read complete")
        expect(debug.exitCode).toBe(null)
      } finally {
        debug.kill("SIGTERM")
      }
    })

    it("terraform providers schema -json equals the schema JSON the generator uses", async () => {
      const dir = workdir(root, mainTf(""))
      const result = await tf(dir, ["providers", "schema", "-json"])
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toEqual(providerSchemaJson())
    })
  },
)
