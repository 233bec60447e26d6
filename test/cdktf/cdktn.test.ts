/**
 * `atlas-flex-restore/cdktn`: the same constructs for cdktn, checked by
 * running one program through both flavours and comparing the documents,
 * plus what only this flavour must show (its own base classes, the shared
 * error class, the example app).
 */
import * as cdktf from "cdktf"
import * as cdktn from "cdktn"
import { describe, expect, it } from "vitest"
import { RestoreStatusStack } from "../../examples/cdktn/main.js"
import * as forCdktn from "../../src/cdktf/cdktn/index.js"
import * as forCdktf from "../../src/cdktf/index.js"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"
import { defaultVersion } from "./version.js"

type Json = Record<string, any>

const flavours = {
  cdktf: { lib: cdktf, entry: forCdktf },
  cdktn: { lib: cdktn, entry: forCdktn },
} as const

/**
 * One program, written once against whichever library and entry: our
 * provider declared before or after the data sources, one data source
 * bound implicitly, one explicitly to an aliased provider.
 */
const program = (flavour: keyof typeof flavours, providerFirst: boolean, source?: string) => {
  const { lib, entry } = flavours[flavour] as unknown as (typeof flavours)["cdktn"]
  const stack = new lib.TerraformStack(lib.Testing.app(), "stack")
  const providers = () => {
    const custom = source === undefined ? {} : { source }
    new entry.MongodbatlasProvider(stack, "ours", custom)
    return new entry.MongodbatlasProvider(stack, "ours_eu", {
      ...custom,
      alias: "eu",
      baseUrl: "http://127.0.0.1:4010",
    })
  }
  let eu = providerFirst ? providers() : undefined
  const project = new lib.TerraformVariable(stack, "project_id", { type: "string", default: EmulatorSeed.groupId })
  const job = new entry.DataMongodbatlasFlexRestoreJob(stack, "job", {
    projectId: project.stringValue,
    name: EmulatorSeed.clusterName,
    restoreJobId: EmulatorSeed.jobs.completed,
  })
  eu ??= providers()
  const pinned = new entry.DataMongodbatlasFlexRestoreJob(stack, "pinned", {
    projectId: EmulatorSeed.groupId,
    name: EmulatorSeed.clusterName,
    restoreJobId: EmulatorSeed.jobs.running,
    provider: eu,
  })
  new lib.TerraformOutput(stack, "status", { value: job.status })
  new lib.TerraformOutput(stack, "pinned_status", { value: pinned.status })
  return stack
}

const synth = (flavour: keyof typeof flavours, stack: unknown): Json =>
  JSON.parse(flavours[flavour].lib.Testing.synth(stack as never)) as Json

describe("atlas-flex-restore/cdktn", () => {
  it.each([true, false])("synthesizes what the cdktf flavour does (provider first: %s)", (providerFirst) => {
    const ours = synth("cdktn", program("cdktn", providerFirst))
    const reference = synth("cdktf", program("cdktf", providerFirst))
    for (const key of ["terraform", "provider", "data", "output", "variable"])
      expect(ours[key], key).toStrictEqual(reference[key])
    expect(ours["terraform"]["required_providers"]).toStrictEqual({
      atlasflex: { source: PROVIDER_SOURCE, version: defaultVersion },
    })
    expect(ours["data"]["mongodbatlas_flex_restore_job"]["job"]["provider"]).toBe("atlasflex")
    expect(ours["data"]["mongodbatlas_flex_restore_job"]["job"]["project_id"]).toBe("${var.project_id}")
    expect(ours["data"]["mongodbatlas_flex_restore_job"]["pinned"]["provider"]).toBe("atlasflex.eu")
    expect(ours["output"]["status"]["value"]).toBe("${data.mongodbatlas_flex_restore_job.job.status}")
  })

  it("honours a custom source address, and passes cdktn's validations", () => {
    const stack = program("cdktn", false, "app.terraform.io/acme/atlasflex")
    expect(synth("cdktn", stack)["terraform"]["required_providers"]).toStrictEqual({
      atlasflex: { source: "app.terraform.io/acme/atlasflex", version: defaultVersion },
    })
    expect(() => cdktn.Testing.synth(stack, true)).not.toThrow()
  })

  it("builds on cdktn's classes, and shares the error class and the lookup with the cdktf entry", () => {
    const stack = new cdktn.TerraformStack(cdktn.Testing.app(), "stack")
    const job = new forCdktn.DataMongodbatlasFlexRestoreJob(stack, "job", {
      projectId: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restoreJobId: EmulatorSeed.jobs.completed,
    })
    expect(job).toBeInstanceOf(cdktn.TerraformDataSource)
    expect(job).not.toBeInstanceOf(cdktf.TerraformDataSource)
    expect(new forCdktn.MongodbatlasProvider(stack, "ours")).toBeInstanceOf(cdktn.TerraformProvider)
    expect(forCdktn.FlexRestoreJobConfigError).toBe(forCdktf.FlexRestoreJobConfigError)
    expect(forCdktn.lookupFlexRestoreJob).toBe(forCdktf.lookupFlexRestoreJob)
    expect(
      () =>
        new forCdktn.DataMongodbatlasFlexRestoreJob(stack, "bad", { projectId: "nope", name: "x", restoreJobId: "y" }),
    ).toThrow(forCdktf.FlexRestoreJobConfigError)
    expect(() => {
      job.restoreJobId = "not-an-id"
    }).toThrow('Invalid mongodbatlas_flex_restore_job "stack/job": restoreJobId "not-an-id" must be')
  })
})

describe("examples/cdktn", () => {
  it("reads the job through our provider, with a postcondition on its status", () => {
    const stack = new RestoreStatusStack(cdktn.Testing.app(), "flex-restore-cdktn", {
      MONGODB_ATLAS_BASE_URL: "http://127.0.0.1:4010",
    })
    const json = synth("cdktn", stack)
    expect(json["terraform"]["required_providers"]).toStrictEqual({
      atlasflex: { source: PROVIDER_SOURCE, version: defaultVersion },
    })
    expect(json["provider"]).toStrictEqual({ atlasflex: [{ base_url: "http://127.0.0.1:4010" }] })
    const job = json["data"]["mongodbatlas_flex_restore_job"]["job"]
    expect(job).toMatchObject({
      provider: "atlasflex",
      project_id: "${var.project_id}",
      name: "${var.cluster_name}",
      restore_job_id: EmulatorSeed.jobs.completed,
    })
    expect(job["lifecycle"]["postcondition"][0]["condition"]).toBe('${self.status == "COMPLETED"}')
    expect(json["variable"]["project_id"]["default"]).toBe(EmulatorSeed.groupId)
    expect(json["output"]["status"]["value"]).toBe("${data.mongodbatlas_flex_restore_job.job.status}")
    expect(() => cdktn.Testing.synth(stack, true)).not.toThrow()
  })
})
