/**
 * The ephemeral resource from a stack: cdktn's construct (generated binding,
 * with the data source's checks and provider binding), and cdktf 0.21's
 * escape hatch (`stack.addOverride`), since cdktf has no ephemeral blocks.
 * Each synthesized document is applied by the real terraform through the
 * plugin: the link reaches a provisioner, and no state holds it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as cdktf from "cdktf"
import * as cdktn from "cdktn"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as forCdktn from "../../src/cdktf/cdktn/index.js"
import * as forCdktf from "../../src/cdktf/index.js"
import { EPHEMERAL_RESOURCE_TYPE } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { buildPlugin } from "../provider/pluginProcess.js"
import type { BuiltPlugin } from "../provider/pluginProcess.js"
import { baseEnv, cliConfig, runTerraform, terraformSuiteTitle, terraformVersion } from "../provider/terraform.js"

type Json = Record<string, any>

const ref = {
  projectId: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restoreJobId: EmulatorSeed.jobs.download,
}

/** A provisioner that writes the link it is given to fetched.txt: an apply-time use of an ephemeral value. */
const provisioned = (link: string) => ({
  provisioners: [{ type: "local-exec" as const, command: "printenv LINK > fetched.txt", environment: { LINK: link } }],
})

/** cdktn: the construct, bound to our provider (local name atlasflex) without being told. */
const cdktnStack = (baseUrl: string) => {
  const stack = new cdktn.TerraformStack(cdktn.Testing.app(), "eph")
  new forCdktn.MongodbatlasProvider(stack, "atlasflex", { baseUrl })
  const job = new forCdktn.EphemeralMongodbatlasFlexRestoreJob(stack, "download", ref)
  new cdktn.DataResource(stack, "fetch", provisioned(job.snapshotUrl))
  return JSON.parse(cdktn.Testing.synth(stack)) as Json
}

/** cdktf 0.21: the ephemeral block written with the escape hatch, referenced by its address. */
const cdktfStack = (baseUrl: string) => {
  const stack = new cdktf.TerraformStack(cdktf.Testing.app(), "eph")
  const provider = new forCdktf.MongodbatlasProvider(stack, "atlasflex", { baseUrl })
  stack.addOverride(`ephemeral.${EPHEMERAL_RESOURCE_TYPE}.download`, {
    provider: provider.fqn,
    project_id: ref.projectId,
    name: ref.name,
    restore_job_id: ref.restoreJobId,
  })
  new cdktf.DataResource(stack, "fetch", provisioned(`\${ephemeral.${EPHEMERAL_RESOURCE_TYPE}.download.snapshot_url}`))
  return JSON.parse(cdktf.Testing.synth(stack)) as Json
}

describe("synthesized", () => {
  it.each([
    ["cdktn", cdktnStack],
    ["cdktf (addOverride)", cdktfStack],
  ] as const)("%s: an ephemeral block bound to our provider, its snapshot_url in the provisioner", (_, build) => {
    const json = build("http://127.0.0.1:1")
    expect(json["ephemeral"]).toStrictEqual({
      [EPHEMERAL_RESOURCE_TYPE]: {
        download: expect.objectContaining({
          provider: "atlasflex",
          project_id: ref.projectId,
          name: ref.name,
          restore_job_id: ref.restoreJobId,
        }),
      },
    })
    expect(json["data"]).toBeUndefined()
    const provisioner = json["resource"]["terraform_data"]["fetch"]["provisioner"][0]["local-exec"]
    expect(provisioner.environment).toStrictEqual({
      LINK: `\${ephemeral.${EPHEMERAL_RESOURCE_TYPE}.download.snapshot_url}`,
    })
  })

  it("cdktn synthesizes it, validations on, only for a project that targets Terraform >= 1.10", () => {
    const stackIn = (app: cdktn.App) => {
      const stack = new cdktn.TerraformStack(app, "targets")
      new forCdktn.MongodbatlasProvider(stack, "atlasflex")
      new forCdktn.EphemeralMongodbatlasFlexRestoreJob(stack, "download", ref)
      return stack
    }
    expect(() => cdktn.Testing.synth(stackIn(cdktn.Testing.app()), true)).toThrow(
      /ephemeral resources requires terraform >=1\.10\.0/,
    )
    const targeted = cdktn.Testing.app({ context: { targetVersions: { terraform: ">=1.10.0" } } })
    expect(JSON.parse(cdktn.Testing.synth(stackIn(targeted), true))["ephemeral"]).toBeDefined()
  })

  it("cdktn's construct checks literal ids at construction, as the data source's does", () => {
    const stack = new cdktn.TerraformStack(cdktn.Testing.app(), "bad")
    expect(
      () => new forCdktn.EphemeralMongodbatlasFlexRestoreJob(stack, "x", { ...ref, restoreJobId: "not-a-job-id" }),
    ).toThrow(forCdktn.FlexRestoreJobConfigError)
    expect(
      () => new forCdktn.EphemeralMongodbatlasFlexRestoreJob(stack, "x", { ...ref, restoreJobId: "not-a-job-id" }),
    ).toThrow(/bad\/x.*restoreJobId/s)
  })
})

const version = terraformVersion()

describe.skipIf(version === undefined)(
  terraformSuiteTitle(version, (v) => `terraform ${v} applies each synthesized ephemeral block`),
  () => {
    let plugin: BuiltPlugin
    let emulator: RunningEmulator
    let root: string
    let rc: string
    beforeAll(async () => {
      ;[plugin, emulator] = await Promise.all([buildPlugin(), startEmulator()])
      root = mkdtempSync(join(tmpdir(), "ephemeral-cdk-"))
      rc = cliConfig(root, plugin.binDir)
    }, 120_000)
    afterAll(async () => {
      await emulator?.stop()
      plugin?.cleanup()
      if (root) rmSync(root, { recursive: true, force: true })
    })

    it.each([
      ["cdktn", cdktnStack],
      ["cdktf (addOverride)", cdktfStack],
    ] as const)(
      "%s: the provisioner gets the link, the state holds none",
      async (name, build) => {
        const served = await fetchJob(emulator)
        const dir = mkdtempSync(join(root, "case-"))
        writeFileSync(join(dir, "main.tf.json"), JSON.stringify(build(emulator.url), null, 2))
        const env = {
          ...baseEnv(rc, dir),
          MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
        }
        const apply = await runTerraform(dir, ["apply", "-auto-approve", "-no-color"], env)
        expect(apply.code, `${name}: ${apply.stderr}`).toBe(0)
        expect(readFileSync(join(dir, "fetched.txt"), "utf8")).toBe(`${served.snapshotUrl}\n`)
        const state = readFileSync(join(dir, "terraform.tfstate"), "utf8")
        const shown = await runTerraform(dir, ["show", "-json"], env)
        for (const text of [apply.stdout, state, shown.stdout]) expect(text).not.toContain(served.snapshotUrl)
        expect((JSON.parse(state) as Json)["resources"].map((r: Json) => r["type"])).toStrictEqual(["terraform_data"])
      },
      60_000,
    )
  },
)

/** The DOWNLOAD job as the emulator serves it, read with raw fetch. */
const fetchJob = async (emulator: RunningEmulator): Promise<{ snapshotUrl: string }> => {
  const response = await fetch(
    `${emulator.url}/api/atlas/v2/groups/${ref.projectId}/flexClusters/${ref.name}/backup/restoreJobs/${ref.restoreJobId}`,
    {
      headers: {
        accept: "application/vnd.atlas.2024-11-13+json",
        authorization: `Bearer ${emulator.credentials.accessToken}`,
      },
    },
  )
  const job = (await response.json()) as { snapshotUrl: string }
  expect(job.snapshotUrl).toMatch(/^https:\/\//)
  return job
}
