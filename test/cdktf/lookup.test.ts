import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AuthError, InvalidRequest, NotFound, Unauthorized } from "../../src/atlas/AtlasError.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { createFlexRestoreLookup, lookupFlexRestoreJob } from "../../src/cdktf/index.js"
import type { LookupOptions } from "../../src/cdktf/index.js"
import { read } from "../../src/datasource/read.js"
import { flexRestoreJobDataSource } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"

let emulator: RunningEmulator
let options: LookupOptions

beforeAll(async () => {
  emulator = await startEmulator()
  // `env: {}`: nothing leaks in from the machine running the tests.
  options = { baseUrl: emulator.url, auth: { accessToken: emulator.credentials.accessToken }, env: {} }
})
afterAll(() => emulator.stop())

const ref = (restoreJobId: string) => ({
  projectId: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restoreJobId,
})

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected a rejection")
    },
    (e: unknown) => e,
  )

describe("lookupFlexRestoreJob", () => {
  it("returns every attribute, camelCased, with the values the data source's read computes", async () => {
    for (const id of [EmulatorSeed.jobs.completed, EmulatorSeed.jobs.download, EmulatorSeed.jobs.running]) {
      const values = await lookupFlexRestoreJob(ref(id), options)
      const state = await Effect.runPromise(
        read({ project_id: EmulatorSeed.groupId, name: EmulatorSeed.clusterName, restore_job_id: id }).pipe(
          Effect.provide(FlexRestoreJobsLive.layerFetch(options)),
        ),
      )
      const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
      expect(Object.keys(values).sort()).toStrictEqual(
        Object.keys(flexRestoreJobDataSource.block.attributes).map(camel).sort(),
      )
      expect(values).toStrictEqual(Object.fromEntries(Object.entries(state).map(([k, v]) => [camel(k), v])))
    }
  })

  it("reads the seeded jobs as Atlas would answer them", async () => {
    const completed = await lookupFlexRestoreJob(ref(EmulatorSeed.jobs.completed), options)
    expect(completed).toMatchObject({
      projectId: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restoreJobId: EmulatorSeed.jobs.completed,
      status: "COMPLETED",
      deliveryType: "RESTORE",
      targetProjectId: EmulatorSeed.otherGroupId,
    })
    expect(completed.restoreFinishedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const running = await lookupFlexRestoreJob(ref(EmulatorSeed.jobs.running), options)
    expect(running.status).toBe("RUNNING")
    expect(running.restoreFinishedDate).toBeNull()
    expect(running.snapshotUrl).toBeNull()
  })

  it("works with an API key pair (digest) too", async () => {
    const { publicKey, privateKey } = emulator.credentials
    const values = await lookupFlexRestoreJob(ref(EmulatorSeed.jobs.download), {
      baseUrl: emulator.url,
      auth: { publicKey, privateKey },
      env: {},
    })
    expect(values.deliveryType).toBe("DOWNLOAD")
    expect(values.snapshotUrl).toMatch(/^https:\/\//)
  })

  it("reads credentials and base URL from the official environment variables", async () => {
    const values = await lookupFlexRestoreJob(ref(EmulatorSeed.jobs.completed), {
      env: { MONGODB_ATLAS_BASE_URL: emulator.url, MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken },
    })
    expect(values.status).toBe("COMPLETED")
  })

  it("rejects with the service's typed errors", async () => {
    const missing = await rejection(lookupFlexRestoreJob(ref("66a0000000000000000000ee"), options))
    expect(missing).toBeInstanceOf(NotFound)
    expect((missing as NotFound).status).toBe(404)

    const invalid = await rejection(lookupFlexRestoreJob({ ...ref("nope"), projectId: "XYZ" }, options))
    expect(invalid).toBeInstanceOf(InvalidRequest)
    expect((invalid as InvalidRequest).fields.map((f) => f.field).sort()).toStrictEqual(["groupId", "restoreJobId"])

    const refused = await rejection(
      lookupFlexRestoreJob(ref(EmulatorSeed.jobs.completed), { ...options, auth: { accessToken: "not-a-token" } }),
    )
    expect(refused).toBeInstanceOf(Unauthorized)

    const unconfigured = await rejection(
      lookupFlexRestoreJob(ref(EmulatorSeed.jobs.completed), { baseUrl: emulator.url, env: {} }),
    )
    expect(unconfigured).toBeInstanceOf(AuthError)
    expect(String((unconfigured as Error).message)).not.toContain(emulator.credentials.accessToken)
  })
})

describe("createFlexRestoreLookup", () => {
  it("serves many lookups with one service-account token, revoked on close", async () => {
    const { clientId, clientSecret } = emulator.credentials
    const before = emulator.stats()
    const atlas = await createFlexRestoreLookup({ baseUrl: emulator.url, auth: { clientId, clientSecret }, env: {} })
    const ids = [EmulatorSeed.jobs.completed, EmulatorSeed.jobs.download, EmulatorSeed.jobs.running]
    const values = await Promise.all(ids.map((id) => atlas.lookup(ref(id))))
    expect(values.map((v) => v.restoreJobId)).toStrictEqual(ids)
    expect(values.map((v) => v.status)).toStrictEqual(["COMPLETED", "COMPLETED", "RUNNING"])
    expect(await rejection(atlas.lookup(ref("66a0000000000000000000ee")))).toBeInstanceOf(NotFound)
    const during = emulator.stats()
    expect(during.tokensIssued - before.tokensIssued).toBe(1)
    expect(during.revocations - before.revocations).toBe(0)
    await atlas.close()
    expect(emulator.stats().revocations - before.revocations).toBe(1)
  })

  it("gives the same values as lookupFlexRestoreJob, which builds and releases one per call", async () => {
    const atlas = await createFlexRestoreLookup(options)
    try {
      expect(await atlas.lookup(ref(EmulatorSeed.jobs.download))).toStrictEqual(
        await lookupFlexRestoreJob(ref(EmulatorSeed.jobs.download), options),
      )
    } finally {
      await atlas.close()
    }
  })

  it("rejects with AuthError when no credentials are configured, before any request", async () => {
    const before = emulator.stats().requests
    expect(await rejection(createFlexRestoreLookup({ baseUrl: emulator.url, env: {} }))).toBeInstanceOf(AuthError)
    expect(emulator.stats().requests).toBe(before)
  })
})
