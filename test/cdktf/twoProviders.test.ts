/**
 * This package's provider beside the official one in one stack (issue 14),
 * with the real prebuilt `@cdktf/provider-mongodbatlas`: each under its own
 * local name in either construction order, the data source bound to ours,
 * the official resources to theirs, an explicit `provider` kept, and a source
 * address of the team's choosing.
 */
import { TerraformOutput, TerraformStack, Testing } from "cdktf"
import { DataMongodbatlasFlexRestoreJob as Theirs } from "@cdktf/provider-mongodbatlas/lib/data-mongodbatlas-flex-restore-job/index.js"
import { FlexCluster } from "@cdktf/provider-mongodbatlas/lib/flex-cluster/index.js"
import { MongodbatlasProvider as OfficialProvider } from "@cdktf/provider-mongodbatlas/lib/provider/index.js"
import { describe, expect, it } from "vitest"
import { DataMongodbatlasFlexRestoreJob, MongodbatlasProvider } from "../../src/cdktf/index.js"
import { PROVIDER_LOCAL_NAME, PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"
import { defaultVersion } from "./version.js"

type Json = Record<string, any>
const synth = (stack: TerraformStack) => JSON.parse(Testing.synth(stack)) as Json

/** The prebuilt provider's version, which must stay on its own entry. */
const officialVersion = (synth(withOfficialOnly()) as Json)["terraform"]["required_providers"]["mongodbatlas"][
  "version"
] as string

function withOfficialOnly() {
  const stack = new TerraformStack(Testing.app(), "official")
  new OfficialProvider(stack, "official")
  return stack
}

type Step = "official" | "ours" | "cluster+job"

/**
 * The composition users write: an official flex cluster whose project and
 * name feed our data source, both providers declared, in the given order.
 */
const composed = (order: ReadonlyArray<Step>, ours: { source?: string } = {}) => {
  const stack = new TerraformStack(Testing.app(), "composed")
  for (const step of order) {
    if (step === "official") new OfficialProvider(stack, "official")
    else if (step === "ours") new MongodbatlasProvider(stack, "atlasflex", ours)
    else {
      const cluster = new FlexCluster(stack, "cluster", {
        projectId: EmulatorSeed.groupId,
        name: EmulatorSeed.clusterName,
        providerSettings: { backingProviderName: "AWS", regionName: "US_EAST_1" },
      })
      const job = new DataMongodbatlasFlexRestoreJob(stack, "restore", {
        projectId: cluster.projectId,
        name: cluster.name,
        restoreJobId: EmulatorSeed.jobs.completed,
      })
      new TerraformOutput(stack, "status", { value: job.status })
      new TerraformOutput(stack, "cluster_state", { value: cluster.stateName })
    }
  }
  return stack
}

describe("two providers, one stack", () => {
  const orders: ReadonlyArray<ReadonlyArray<Step>> = [
    ["official", "ours", "cluster+job"],
    ["cluster+job", "ours", "official"],
    ["ours", "cluster+job", "official"],
    ["cluster+job", "official", "ours"],
  ]

  it.each(orders)("each provider under its own local name, each block bound to its own (%s, %s, %s)", (...order) => {
    const stack = composed(order)
    const json = synth(stack)
    expect(PROVIDER_LOCAL_NAME).toBe("atlasflex")
    expect(json["terraform"]["required_providers"]).toStrictEqual({
      mongodbatlas: { source: "mongodb/mongodbatlas", version: officialVersion },
      atlasflex: { source: PROVIDER_SOURCE, version: defaultVersion },
    })
    expect(officialVersion).toMatch(/^\d+\.\d+\.\d+$/)
    expect(json["provider"]).toStrictEqual({ mongodbatlas: [{}], atlasflex: [{}] })
    const cluster = json["resource"]["mongodbatlas_flex_cluster"]["cluster"]
    // The official resource keeps the default binding: its type's prefix, `mongodbatlas`.
    expect(cluster["provider"]).toBeUndefined()
    const job = json["data"]["mongodbatlas_flex_restore_job"]["restore"]
    expect(job["provider"]).toBe("atlasflex")
    expect(job["project_id"]).toBe("${mongodbatlas_flex_cluster.cluster.project_id}")
    expect(job["name"]).toBe("${mongodbatlas_flex_cluster.cluster.name}")
    expect(job["restore_job_id"]).toBe(EmulatorSeed.jobs.completed)
    expect(json["output"]["status"]["value"]).toBe("${data.mongodbatlas_flex_restore_job.restore.status}")
    expect(json["output"]["cluster_state"]["value"]).toBe("${mongodbatlas_flex_cluster.cluster.state_name}")
    // cdktf's own validations (provider presence among them) pass.
    expect(() => Testing.synth(stack, true)).not.toThrow()
  })

  it("synthesizes the same document whatever the construction order", () => {
    const [first, ...rest] = orders.map((order) => synth(composed(order)))
    for (const other of rest) {
      expect(other["terraform"]).toStrictEqual(first!["terraform"])
      expect(other["provider"]).toStrictEqual(first!["provider"])
      expect(other["data"]).toStrictEqual(first!["data"])
      expect(other["resource"]).toStrictEqual(first!["resource"])
    }
  })

  it("keeps the prebuilt binding's blocks in a stack without our provider (only the import swapped)", () => {
    const build = (Data: typeof Theirs | typeof DataMongodbatlasFlexRestoreJob) => {
      const stack = withOfficialOnly()
      const job = new Data(stack, "job", {
        projectId: EmulatorSeed.groupId,
        name: EmulatorSeed.clusterName,
        restoreJobId: EmulatorSeed.jobs.completed,
      })
      new TerraformOutput(stack, "status", { value: job.status })
      return synth(stack)
    }
    const ours = build(DataMongodbatlasFlexRestoreJob)
    const theirs = build(Theirs)
    expect(ours["data"]).toStrictEqual(theirs["data"])
    expect(ours["terraform"]).toStrictEqual(theirs["terraform"])
    expect(ours["provider"]).toStrictEqual(theirs["provider"])
    expect(ours["output"]).toStrictEqual(theirs["output"])
    expect(ours["data"]["mongodbatlas_flex_restore_job"]["job"]["provider"]).toBeUndefined()
  })

  it("keeps an explicit provider, ours (aliased) or the official one, in either order", () => {
    const stack = new TerraformStack(Testing.app(), "explicit")
    const official = new OfficialProvider(stack, "official")
    const toOfficial = new DataMongodbatlasFlexRestoreJob(stack, "to_official", {
      projectId: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restoreJobId: EmulatorSeed.jobs.completed,
      provider: official,
    })
    const toAliased = new DataMongodbatlasFlexRestoreJob(stack, "to_aliased", {
      projectId: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restoreJobId: EmulatorSeed.jobs.completed,
    })
    const defaultJob = new DataMongodbatlasFlexRestoreJob(stack, "to_default", {
      projectId: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restoreJobId: EmulatorSeed.jobs.completed,
    })
    // Declared after the data sources; the setter works as the config does.
    new MongodbatlasProvider(stack, "ours")
    toAliased.provider = new MongodbatlasProvider(stack, "ours_eu", { alias: "eu" })
    const json = synth(stack)
    const data = json["data"]["mongodbatlas_flex_restore_job"]
    expect(data["to_official"]["provider"]).toBe("mongodbatlas")
    expect(data["to_aliased"]["provider"]).toBe("atlasflex.eu")
    // With one of ours without an alias, an unbound data source takes that one.
    expect(data["to_default"]["provider"]).toBe("atlasflex")
    expect(json["provider"]).toStrictEqual({ mongodbatlas: [{}], atlasflex: [{}, { alias: "eu" }] })
    expect([toOfficial.provider, defaultJob.provider]).toStrictEqual([official, undefined])
  })

  it("refuses to guess between several of ours, naming them", () => {
    const stack = new TerraformStack(Testing.app(), "ambiguous")
    new MongodbatlasProvider(stack, "us", { alias: "us" })
    new MongodbatlasProvider(stack, "eu", { alias: "eu" })
    new DataMongodbatlasFlexRestoreJob(stack, "job", {
      projectId: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restoreJobId: EmulatorSeed.jobs.completed,
    })
    expect(() => Testing.synth(stack)).toThrow(
      'Data source "ambiguous/job" cannot choose between this package\'s providers "ambiguous/us" (alias "us"), ' +
        '"ambiguous/eu" (alias "eu"): set its `provider` to one of them.',
    )
  })
})

describe("a source address the team chooses", () => {
  const source = "app.terraform.io/acme/atlasflex"

  it.each([
    ["official", "ours", "cluster+job"],
    ["cluster+job", "official", "ours"],
  ] as const)("changes required_providers only, binding included (%s, %s, %s)", (...order) => {
    const json = synth(composed(order, { source }))
    expect(json["terraform"]["required_providers"]).toStrictEqual({
      mongodbatlas: { source: "mongodb/mongodbatlas", version: officialVersion },
      atlasflex: { source, version: defaultVersion },
    })
    expect(json["provider"]).toStrictEqual({ mongodbatlas: [{}], atlasflex: [{}] })
    expect(json["data"]["mongodbatlas_flex_restore_job"]["restore"]["provider"]).toBe("atlasflex")
    expect(JSON.stringify(json)).not.toContain(PROVIDER_SOURCE)
  })

  it("refuses two of ours with different sources in one stack (one local name, one source)", () => {
    const stack = new TerraformStack(Testing.app(), "custom")
    new MongodbatlasProvider(stack, "ours", { source })
    new MongodbatlasProvider(stack, "ours_eu", { source, alias: "eu" })
    expect(() => new MongodbatlasProvider(stack, "default", { alias: "default" })).toThrow(
      `Provider "custom/default" has source "${PROVIDER_SOURCE}", but "custom/ours" in the same stack has "${source}": ` +
        'every provider of local name "atlasflex" must have the same source.',
    )
  })

  it.each(["acme/atlasflex", "registry.example.com:8443/acme/atlas-flex", "app.terraform.io/Acme/atlasflex"])(
    "accepts %s",
    (address) => {
      const stack = new TerraformStack(Testing.app(), "custom")
      new MongodbatlasProvider(stack, "ours", { source: address })
      expect(synth(stack)["terraform"]["required_providers"]).toStrictEqual({
        atlasflex: { source: address, version: defaultVersion },
      })
    },
  )

  it.each([
    "atlasflex",
    "https://app.terraform.io/acme/atlasflex",
    "a/b/c/d",
    "acme/-atlasflex",
    "acme//atlasflex",
    "",
  ])("refuses %j, naming the provider and the rule", (address) => {
    const stack = new TerraformStack(Testing.app(), "custom")
    expect(() => new MongodbatlasProvider(stack, "ours", { source: address })).toThrow(
      `Invalid source ${JSON.stringify(address)} of provider "custom/ours": must be a provider source address ` +
        "[HOSTNAME/]NAMESPACE/TYPE",
    )
  })

  it("writes a version constraint by default (this release and its patch releases), and the version option instead", () => {
    expect(defaultVersion).toMatch(/^~> \d+\.\d+\.\d+/)
    const stack = new TerraformStack(Testing.app(), "versions")
    new MongodbatlasProvider(stack, "ours", { version: ">= 0.1, < 0.3" })
    new MongodbatlasProvider(stack, "ours_eu", { version: ">= 0.1, < 0.3", alias: "eu" })
    expect(synth(stack)["terraform"]["required_providers"]).toStrictEqual({
      atlasflex: { source: PROVIDER_SOURCE, version: ">= 0.1, < 0.3" },
    })
    expect(() => Testing.synth(stack, true)).not.toThrow()
  })

  it("refuses two of ours with different versions in one stack", () => {
    const stack = new TerraformStack(Testing.app(), "versions")
    new MongodbatlasProvider(stack, "ours", { version: "0.1.0" })
    expect(() => new MongodbatlasProvider(stack, "eu", { alias: "eu" })).toThrow(
      `Provider "versions/eu" has version "${defaultVersion}", but "versions/ours" in the same stack has "0.1.0": ` +
        'every provider of local name "atlasflex" must have the same version.',
    )
  })

  it.each(["0.1.0", "~> 0.1", "=0.1.2", ">= 0.1.0, != 0.1.3, < 1.0.0", "~> 0.2.0-rc.1"])(
    "accepts version %j",
    (version) => {
      const stack = new TerraformStack(Testing.app(), "versions")
      new MongodbatlasProvider(stack, "ours", { version })
      expect(synth(stack)["terraform"]["required_providers"]["atlasflex"]["version"]).toBe(version)
    },
  )

  it.each(["", "latest", "~>", "0.1.0,", ">> 0.1.0", "0.1.0 || 0.2.0", "^0.1.0"])(
    "refuses version %j, naming the provider and the rule",
    (version) => {
      const stack = new TerraformStack(Testing.app(), "versions")
      expect(() => new MongodbatlasProvider(stack, "ours", { version })).toThrow(
        `Invalid version ${JSON.stringify(version)} of provider "versions/ours": must be a Terraform version constraint`,
      )
    },
  )
})
