import { TerraformIterator, TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf"
import type { App } from "cdktf"
import { DataMongodbatlasFlexRestoreJob as Theirs } from "@cdktf/provider-mongodbatlas/lib/data-mongodbatlas-flex-restore-job/index.js"
import { MongodbatlasProvider as OfficialProvider } from "@cdktf/provider-mongodbatlas/lib/provider/index.js"
import { describe, expect, it } from "vitest"
import {
  DataMongodbatlasFlexRestoreJob,
  FlexRestoreJobConfigError,
  MongodbatlasProvider,
} from "../../src/cdktf/index.js"
import { flexRestoreJobDataSource, PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"
import { defaultVersion } from "./version.js"

const valid: { readonly projectId: string; readonly name: string; readonly restoreJobId: string } = {
  projectId: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restoreJobId: EmulatorSeed.jobs.completed,
}

/** The getters of the computed attributes, named as both classes name them. */
const computedGetters = [
  "deliveryType",
  "expirationDate",
  "restoreFinishedDate",
  "restoreScheduledDate",
  "snapshotFinishedDate",
  "snapshotId",
  "snapshotUrl",
  "status",
  "targetDeploymentItemName",
  "targetProjectId",
] as const

type DataSourceClass = typeof Theirs | typeof DataMongodbatlasFlexRestoreJob

/**
 * One stack written against either class: literal and token inputs, every
 * meta-argument the data source accepts, and every attribute consumed.
 */
const stackWith = (Data: DataSourceClass, app: App = Testing.app()) => {
  const stack = new TerraformStack(app, "stack")
  const official = new OfficialProvider(stack, "atlas", { alias: "flex" })
  const project = new TerraformVariable(stack, "project_id", { type: "string" })
  const literal = new Data(stack, "literal", { ...valid, provider: official })
  const tokens = new Data(stack, "tokens", {
    projectId: project.stringValue,
    name: `${project.stringValue}-flex`,
    restoreJobId: literal.restoreJobId,
    dependsOn: [literal],
    lifecycle: { postcondition: [{ condition: "${self.status != null}", errorMessage: "no status" }] },
  })
  const iterator = TerraformIterator.fromList(["66a0000000000000000000c1", "66a0000000000000000000d1"])
  const each = new Data(stack, "each", { ...valid, restoreJobId: iterator.value, forEach: iterator })
  const counted = new Data(stack, "counted", { ...valid, count: 2 })
  for (const getter of computedGetters) {
    new TerraformOutput(stack, `literal_${getter}`, { value: literal[getter] })
    new TerraformOutput(stack, `tokens_${getter}`, { value: tokens[getter] })
  }
  new TerraformOutput(stack, "inputs", { value: [tokens.projectId, tokens.name, tokens.restoreJobId] })
  new TerraformOutput(stack, "each_status", { value: each.status })
  new TerraformOutput(stack, "counted_status", { value: counted.status })
  return { stack, literal, tokens }
}

const synth = (stack: TerraformStack) => JSON.parse(Testing.synth(stack)) as Record<string, any>

describe("DataMongodbatlasFlexRestoreJob is a drop-in for @cdktf/provider-mongodbatlas's", () => {
  it("synthesizes the same data blocks and the same references from the same program", () => {
    const theirs = synth(stackWith(Theirs).stack)
    const ours = synth(stackWith(DataMongodbatlasFlexRestoreJob).stack)
    expect(ours["data"]).toStrictEqual(theirs["data"])
    expect(ours["output"]).toStrictEqual(theirs["output"])
    expect(ours["variable"]).toStrictEqual(theirs["variable"])
    // Sanity: the comparison covers what it claims to.
    expect(Object.keys(ours["data"]["mongodbatlas_flex_restore_job"]).sort()).toStrictEqual([
      "counted",
      "each",
      "literal",
      "tokens",
    ])
    expect(ours["output"]["tokens_status"].value).toBe("${data.mongodbatlas_flex_restore_job.tokens.status}")
  })

  it("has the same resource type, getters and input accessors", () => {
    expect(DataMongodbatlasFlexRestoreJob.tfResourceType).toBe(Theirs.tfResourceType)
    const { literal } = stackWith(DataMongodbatlasFlexRestoreJob)
    for (const getter of computedGetters) {
      const attribute = getter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
      expect(attribute in flexRestoreJobDataSource.block.attributes).toBe(true)
      expect(literal[getter]).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/)
    }
    expect(literal.projectIdInput).toBe(valid.projectId)
    expect(literal.nameInput).toBe(valid.name)
    expect(literal.restoreJobIdInput).toBe(valid.restoreJobId)
  })

  it("works under the official mongodb/mongodbatlas provider, validations included", () => {
    const app = Testing.app()
    const stack = new TerraformStack(app, "official")
    new OfficialProvider(stack, "atlas")
    new DataMongodbatlasFlexRestoreJob(stack, "job", valid)
    const json = synth(stack)
    expect(json["terraform"]["required_providers"]["mongodbatlas"]["source"]).toBe("mongodb/mongodbatlas")
    expect(
      Testing.toHaveDataSourceWithProperties(Testing.synth(stack), "mongodbatlas_flex_restore_job", {
        project_id: valid.projectId,
        name: valid.name,
        restore_job_id: valid.restoreJobId,
      }),
    ).toBe(true)
    expect(() => Testing.synth(stack, true)).not.toThrow()
  })

  it("works under this package's provider, validations included", () => {
    const app = Testing.app()
    const stack = new TerraformStack(app, "ours")
    new MongodbatlasProvider(stack, "atlas", { baseUrl: "http://127.0.0.1:8080" })
    new DataMongodbatlasFlexRestoreJob(stack, "job", valid)
    const json = synth(stack)
    expect(json["terraform"]["required_providers"]).toStrictEqual({
      atlasflex: { source: PROVIDER_SOURCE, version: defaultVersion },
    })
    expect(json["provider"]).toStrictEqual({ atlasflex: [{ base_url: "http://127.0.0.1:8080" }] })
    expect(json["data"]["mongodbatlas_flex_restore_job"]["job"]["provider"]).toBe("atlasflex")
    expect(() => Testing.synth(stack, true)).not.toThrow()
  })
})

describe("input checks", () => {
  const construct = (config: Partial<typeof valid>) => {
    const stack = new TerraformStack(Testing.app(), "stack")
    return () => new DataMongodbatlasFlexRestoreJob(stack, "job", { ...valid, ...config })
  }

  it("accepts valid literals", () => {
    expect(construct({})).not.toThrow()
  })

  it("reports every bad literal in one error with its value and rule", () => {
    const error = (() => {
      try {
        construct({ projectId: "6650F1A2B3C4D5E6F7A8B9C0", name: "-flex", restoreJobId: "66a00000" })()
      } catch (e) {
        return e
      }
      throw new Error("expected the construct to throw")
    })()
    expect(error).toBeInstanceOf(FlexRestoreJobConfigError)
    const e = error as FlexRestoreJobConfigError
    expect(e.path).toBe("stack/job")
    expect(e.problems.map((p) => [p.property, p.value])).toStrictEqual([
      ["projectId", "6650F1A2B3C4D5E6F7A8B9C0"],
      ["name", "-flex"],
      ["restoreJobId", "66a00000"],
    ])
    expect(e.message).toContain('"stack/job"')
    expect(e.message).toContain('projectId "6650F1A2B3C4D5E6F7A8B9C0" must be 24 lower-case hexadecimal digits')
    expect(e.message).toContain('name "-flex" must be a letter or digit')
    expect(e.message).toContain('restoreJobId "66a00000" must be 24 lower-case hexadecimal digits')
    expect(e.message).toContain("^([a-f0-9]{24})$")
  })

  it("reports only the bad fields", () => {
    expect(construct({ name: "flex demo" })).toThrow(
      /^Invalid mongodbatlas_flex_restore_job "stack\/job": name "flex demo" must be [^;]*$/,
    )
  })

  it("does not add a rejected construct to the tree", () => {
    const stack = new TerraformStack(Testing.app(), "stack")
    expect(() => new DataMongodbatlasFlexRestoreJob(stack, "job", { ...valid, name: "" })).toThrow(
      FlexRestoreJobConfigError,
    )
    expect(stack.node.tryFindChild("job")).toBeUndefined()
  })

  it("lets tokens through unchecked, whole or embedded", () => {
    const stack = new TerraformStack(Testing.app(), "stack")
    const variable = new TerraformVariable(stack, "v", { type: "string" })
    expect(
      () =>
        new DataMongodbatlasFlexRestoreJob(stack, "job", {
          projectId: variable.stringValue,
          name: `-${variable.stringValue}`,
          restoreJobId: "${var.v}",
        }),
    ).not.toThrow()
  })

  it("checks the input setters too", () => {
    const stack = new TerraformStack(Testing.app(), "stack")
    const job = new DataMongodbatlasFlexRestoreJob(stack, "job", valid)
    expect(() => (job.restoreJobId = "nope")).toThrow(/restoreJobId "nope" must be 24 lower-case/)
    expect(() => (job.projectId = "nope")).toThrow(/projectId "nope"/)
    expect(() => (job.name = "no pe")).toThrow(/name "no pe"/)
    job.name = "flex-other"
    expect(job.nameInput).toBe("flex-other")
    expect(synth(stack)["data"]["mongodbatlas_flex_restore_job"]["job"]["name"]).toBe("flex-other")
  })
})
