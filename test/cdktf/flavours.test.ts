/**
 * What a user of either flavour (cdktf, cdktn) sees of the hand-written
 * parts of the constructs: the exact error for a bad literal (in the config
 * or through a setter) or a bad `source`, naming the construct's path; an
 * explicit `provider` kept; the ambiguity error naming every candidate; and
 * `lookupFlexRestoreJob` releasing its service-account token.
 */
import * as cdktf from "cdktf"
import * as cdktn from "cdktn"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as forCdktn from "../../src/cdktf/cdktn/index.js"
import * as forCdktf from "../../src/cdktf/index.js"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"

type Json = Record<string, any>

const flavours = {
  cdktf: { lib: cdktf, entry: forCdktf },
  cdktn: { lib: cdktn, entry: forCdktn },
} as const

const hex24 = "24 lower-case hexadecimal digits (^([a-f0-9]{24})$)"
const nameRule = "a letter or digit, then letters, digits or hyphens (^[a-zA-Z0-9][a-zA-Z0-9-]*$)"
const valid = {
  projectId: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restoreJobId: EmulatorSeed.jobs.completed,
}

const thrown = (build: () => unknown): Error => {
  try {
    build()
  } catch (error) {
    return error as Error
  }
  throw new Error("nothing was thrown")
}

for (const flavour of ["cdktf", "cdktn"] as const) {
  const { lib, entry } = flavours[flavour] as unknown as (typeof flavours)["cdktn"]
  const newStack = () => new lib.TerraformStack(lib.Testing.app(), "stack")
  const synth = (stack: unknown): Json => JSON.parse(lib.Testing.synth(stack as never)) as Json

  describe(`${flavour}: the errors a user reads`, () => {
    it("names every bad literal, joined by '; ', with the construct's path", () => {
      const error = thrown(
        () =>
          new entry.DataMongodbatlasFlexRestoreJob(newStack(), "job", {
            ...valid,
            projectId: "nope",
            restoreJobId: "66A",
          }),
      )
      expect(String(error)).toBe(
        'FlexRestoreJobConfigError: Invalid mongodbatlas_flex_restore_job "stack/job": ' +
          `projectId "nope" must be ${hex24}; restoreJobId "66A" must be ${hex24}`,
      )
      expect(error).toBeInstanceOf(entry.FlexRestoreJobConfigError)
      expect(error).toMatchObject({ _tag: "FlexRestoreJobConfigError", path: "stack/job" })
    })

    it("names a construct built at the root by its id alone", () => {
      const error = thrown(
        () => new entry.DataMongodbatlasFlexRestoreJob(lib.Testing.app(), "job", { ...valid, name: "-x" }),
      )
      expect(error.message).toBe(`Invalid mongodbatlas_flex_restore_job "job": name "-x" must be ${nameRule}`)
      const provider = thrown(() => new entry.MongodbatlasProvider(lib.Testing.app(), "ours", { source: "x" }))
      expect(provider.message).toMatch(/^Invalid source "x" of provider "ours": /)
    })

    it("checks what the setters are given, and keeps what they take", () => {
      const stack = newStack()
      const job = new entry.DataMongodbatlasFlexRestoreJob(stack, "job", valid)
      expect(thrown(() => (job.name = "bad name")).message).toBe(
        `Invalid mongodbatlas_flex_restore_job "stack/job": name "bad name" must be ${nameRule}`,
      )
      expect(thrown(() => (job.projectId = "x")).message).toBe(
        `Invalid mongodbatlas_flex_restore_job "stack/job": projectId "x" must be ${hex24}`,
      )
      expect(thrown(() => (job.restoreJobId = "y")).message).toBe(
        `Invalid mongodbatlas_flex_restore_job "stack/job": restoreJobId "y" must be ${hex24}`,
      )
      job.name = "other-cluster"
      job.projectId = "0123456789abcdef01234567"
      job.restoreJobId = EmulatorSeed.jobs.failed
      // The getters give references, as the prebuilt class's do.
      new lib.TerraformOutput(stack, "refs", { value: [job.name, job.projectId, job.restoreJobId] })
      expect(synth(stack)["data"]["mongodbatlas_flex_restore_job"]["job"]).toMatchObject({
        name: "other-cluster",
        project_id: "0123456789abcdef01234567",
        restore_job_id: EmulatorSeed.jobs.failed,
      })
      expect(synth(stack)["output"]["refs"]["value"]).toStrictEqual([
        "${data.mongodbatlas_flex_restore_job.job.name}",
        "${data.mongodbatlas_flex_restore_job.job.project_id}",
        "${data.mongodbatlas_flex_restore_job.job.restore_job_id}",
      ])
    })

    it("refuses a source that is not a source address, naming the provider and the rule", () => {
      expect(thrown(() => new entry.MongodbatlasProvider(newStack(), "ours", { source: "acme" })).message).toBe(
        'Invalid source "acme" of provider "stack/ours": must be a provider source address [HOSTNAME/]NAMESPACE/TYPE ' +
          "(letters, digits and inner hyphens; the hostname may have dots and a port), " +
          'e.g. "app.terraform.io/acme/atlasflex"',
      )
    })
  })

  describe(`${flavour}: which provider a data source reads through`, () => {
    it("keeps the provider it was given, even beside an unaliased one of ours", () => {
      const stack = newStack()
      new entry.MongodbatlasProvider(stack, "ours")
      const eu = new entry.MongodbatlasProvider(stack, "eu", { alias: "eu" })
      new entry.DataMongodbatlasFlexRestoreJob(stack, "pinned", { ...valid, provider: eu })
      new entry.DataMongodbatlasFlexRestoreJob(stack, "free", valid)
      const data = synth(stack)["data"]["mongodbatlas_flex_restore_job"]
      expect([data["pinned"]["provider"], data["free"]["provider"]]).toStrictEqual(["atlasflex.eu", "atlasflex"])
    })

    it("names every candidate, with its alias if any, when it cannot choose", () => {
      const stack = newStack()
      new entry.MongodbatlasProvider(stack, "a")
      new entry.MongodbatlasProvider(stack, "b")
      new entry.MongodbatlasProvider(stack, "eu", { alias: "eu" })
      new entry.DataMongodbatlasFlexRestoreJob(stack, "job", valid)
      expect(thrown(() => synth(stack)).message).toContain(
        'Data source "stack/job" cannot choose between this package\'s providers "stack/a", "stack/b", ' +
          '"stack/eu" (alias "eu"): set its `provider` to one of them.',
      )
    })
  })
}

describe("lookupFlexRestoreJob", () => {
  let emulator: RunningEmulator
  beforeAll(async () => {
    emulator = await startEmulator()
  })
  afterAll(() => emulator.stop())

  it("revokes the service-account token it obtained, after an answer and after an error", async () => {
    const { clientId, clientSecret } = emulator.credentials
    const options = { baseUrl: emulator.url, auth: { clientId, clientSecret }, env: {} }
    const ref = { projectId: EmulatorSeed.groupId, name: EmulatorSeed.clusterName }
    const before = emulator.stats()
    const job = await forCdktf.lookupFlexRestoreJob({ ...ref, restoreJobId: EmulatorSeed.jobs.completed }, options)
    expect(job.status).toBe("COMPLETED")
    await expect(
      forCdktf.lookupFlexRestoreJob({ ...ref, restoreJobId: "66a0000000000000000000ee" }, options),
    ).rejects.toMatchObject({ _tag: "NotFound" })
    const after = emulator.stats()
    expect(after.tokensIssued - before.tokensIssued).toBe(2)
    expect(after.revocations - before.revocations).toBe(2)
  })
})
