/**
 * The restore-job endpoint of the emulator, over raw `fetch`: seeded jobs,
 * the progressing job, every error answer, Accept negotiation, envelope and
 * pretty.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, jobPath, manualClock } from "./helpers.js"

const { jobs } = EmulatorSeed
const versioned = "application/vnd.atlas.2024-11-13+json;charset=utf-8"

describe("emulator: restore jobs", () => {
  const clock = manualClock()
  let emulator: RunningEmulator
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(emulator.url + path, {
      headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}`, ...headers },
    })
  const getJson = async (path: string, headers: Record<string, string> = {}) => {
    const response = await get(path, headers)
    return { response, body: (await response.json()) as Record<string, any> }
  }

  beforeAll(async () => {
    emulator = await startEmulator({ now: clock.now, progressStepMillis: 1000 })
  })
  afterAll(() => emulator.stop())

  it("serves the completed RESTORE job with every field but the DOWNLOAD-only snapshotUrl", async () => {
    const { response, body } = await getJson(jobPath(jobs.completed))
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe(versioned)
    const download = await getJson(jobPath(jobs.download))
    expect(Object.keys(body).sort()).toEqual(
      Object.keys(download.body)
        .filter((k) => k !== "snapshotUrl")
        .sort(),
    )
    expect(Object.keys(download.body).sort()).toEqual([
      "deliveryType",
      "expirationDate",
      "id",
      "instanceName",
      "links",
      "projectId",
      "restoreFinishedDate",
      "restoreScheduledDate",
      "snapshotFinishedDate",
      "snapshotId",
      "snapshotUrl",
      "status",
      "targetDeploymentItemName",
      "targetProjectId",
    ])
    expect(body).toMatchObject({
      id: jobs.completed,
      status: "COMPLETED",
      deliveryType: "RESTORE",
      projectId: EmulatorSeed.groupId,
      instanceName: EmulatorSeed.clusterName,
    })
    expect(body.links[0]).toEqual({ href: emulator.url + jobPath(jobs.completed), rel: "self" })
    expect(body.restoreFinishedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  })

  it("serves the DOWNLOAD job with snapshotUrl and expirationDate", async () => {
    const { body } = await getJson(jobPath(jobs.download))
    expect(body.deliveryType).toBe("DOWNLOAD")
    expect(body.status).toBe("COMPLETED")
    expect(body.snapshotUrl).toMatch(/^https:\/\//)
    expect(body.expirationDate).toMatch(/Z$/)
  })

  it("serves a job in each state, RUNNING without restoreFinishedDate, links or snapshotUrl", async () => {
    const statuses: Record<string, string> = {}
    for (const [kind, id] of Object.entries(jobs)) statuses[kind] = (await getJson(jobPath(id))).body.status
    expect(statuses).toMatchObject({
      pending: "PENDING",
      queued: "QUEUED",
      running: "RUNNING",
      failed: "FAILED",
      stuck: "RUNNING",
      completed: "COMPLETED",
    })
    for (const id of [jobs.running, jobs.stuck]) {
      const { body } = await getJson(jobPath(id))
      expect(body).not.toHaveProperty("restoreFinishedDate")
      expect(body).not.toHaveProperty("links")
      expect(body).not.toHaveProperty("snapshotUrl")
    }
  })

  it("moves the progressing job PENDING → QUEUED → RUNNING → COMPLETED as time passes, then starts over", async () => {
    const seen: Array<string> = []
    const emu = await startEmulator({ now: clock.now, progressStepMillis: 1000 })
    try {
      for (let i = 0; i < 5; i++) {
        const r = await fetch(emu.url + jobPath(jobs.progressing), {
          headers: { accept, authorization: `Bearer ${emu.credentials.accessToken}` },
        })
        const body = (await r.json()) as Record<string, unknown>
        seen.push(body.status as string)
        if (body.status === "COMPLETED") expect(body.restoreFinishedDate).toBeTypeOf("string")
        else expect(body).not.toHaveProperty("restoreFinishedDate")
        clock.advance(1000)
      }
    } finally {
      await emu.stop()
    }
    expect(seen).toEqual(["PENDING", "QUEUED", "RUNNING", "COMPLETED", "PENDING"])
  })

  it("starts the progressing job at its first read, however long after the emulator's start", async () => {
    const emu = await startEmulator({ now: clock.now, progressStepMillis: 1000 })
    const read = async () =>
      (await (
        await fetch(emu.url + jobPath(jobs.progressing), {
          headers: { accept, authorization: `Bearer ${emu.credentials.accessToken}` },
        })
      ).json()) as { status: string; restoreScheduledDate: string }
    try {
      clock.advance(3_600_000)
      const firstReadAt = clock.now()
      const first = await read()
      expect(first.status).toBe("PENDING")
      expect(Date.parse(first.restoreScheduledDate)).toBe(firstReadAt)
      clock.advance(1000)
      expect((await read()).status).toBe("QUEUED")
    } finally {
      await emu.stop()
    }
  })

  it("moves on real time too (progressStepMillis)", async () => {
    const emu = await startEmulator({ progressStepMillis: 60 })
    try {
      const status = async () =>
        (
          (await (
            await fetch(emu.url + jobPath(jobs.progressing), {
              headers: { accept, authorization: `Bearer ${emu.credentials.accessToken}` },
            })
          ).json()) as { status: string }
        ).status
      // Ordering, not timing: the statuses seen only move forward, and COMPLETED comes (a hang fails by the test's timeout).
      const order = ["PENDING", "QUEUED", "RUNNING", "COMPLETED"]
      const seen = [await status()]
      while (seen.at(-1) !== "COMPLETED") {
        await new Promise((r) => setTimeout(r, 20))
        seen.push(await status())
      }
      const ranks = seen.map((s) => order.indexOf(s))
      expect(ranks.every((r) => r >= 0)).toBe(true)
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b))
    } finally {
      await emu.stop()
    }
  })

  const errorCases: Array<[string, string, number, string]> = [
    [
      "a dedicated cluster",
      jobPath(jobs.completed, EmulatorSeed.groupId, EmulatorSeed.dedicatedClusterName),
      400,
      "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API",
    ],
    ["an unknown group", jobPath(jobs.completed, "0123456789abcdef01234567"), 404, "GROUP_NOT_FOUND"],
    ["an unknown cluster", jobPath(jobs.completed, EmulatorSeed.groupId, "no-such-cluster"), 404, "CLUSTER_NOT_FOUND"],
    ["a group without clusters", jobPath(jobs.completed, EmulatorSeed.otherGroupId), 404, "CLUSTER_NOT_FOUND"],
    ["an unknown job", jobPath("0123456789abcdef01234567"), 404, "RESOURCE_NOT_FOUND"],
    ["a forbidden group", jobPath(jobs.completed, EmulatorSeed.forbiddenGroupId), 403, "IP_ADDRESS_NOT_ON_ACCESS_LIST"],
    ["an unknown route", "/api/atlas/v2/groups/" + EmulatorSeed.groupId + "/nothing", 404, "RESOURCE_NOT_FOUND"],
  ]
  it.each(errorCases)("answers %s with %i %s", async (_, path, status, code) => {
    const { response, body } = await getJson(path)
    expect(response.status).toBe(status)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(response.headers.get("x-error-code")).toBe(code)
    expect(body).toMatchObject({ error: status, errorCode: code })
    expect(body.detail).toBeTypeOf("string")
    expect(body.reason).toBeTypeOf("string")
    expect(Array.isArray(body.parameters)).toBe(true)
    for (const p of body.parameters) expect(["string", "number"]).toContain(typeof p)
  })

  it("answers malformed path values with 400 and badRequestDetail listing every bad field", async () => {
    const { response, body } = await getJson(jobPath("NOT-HEX", "xyz", "-bad"))
    expect(response.status).toBe(400)
    expect(body.errorCode).toBe("VALIDATION_ERROR")
    expect(body.badRequestDetail.fields.map((f: { field: string }) => f.field)).toEqual([
      "groupId",
      "name",
      "restoreJobId",
    ])
    for (const f of body.badRequestDetail.fields) expect(f.description).toMatch(/must match/)
    expect(body.parameters).toEqual(["xyz", "-bad", "NOT-HEX"])
  })

  it("decodes percent-encoded segments before checking them", async () => {
    const encoded = jobPath(jobs.completed, EmulatorSeed.groupId, "flex%2Ddemo")
    expect((await get(encoded)).status).toBe(200)
    const { response, body } = await getJson(jobPath(jobs.completed, EmulatorSeed.groupId, "flex%2Fdemo"))
    expect(response.status).toBe(400)
    expect(body.badRequestDetail.fields).toEqual([
      { field: "name", description: expect.stringContaining("must match") },
    ])
    const broken = await getJson(jobPath(jobs.completed, EmulatorSeed.groupId, "%E0%A4%A"))
    expect(broken.response.status).toBe(400)
  })

  it("rejects a non-boolean envelope or pretty", async () => {
    const { response, body } = await getJson(jobPath(jobs.completed) + "?envelope=yes")
    expect(response.status).toBe(400)
    expect(body.badRequestDetail.fields[0].field).toBe("envelope")
  })

  it.each([
    ["no Accept", undefined],
    ["application/json", "application/json"],
    ["*/*", "*/*"],
    ["an older version", "application/vnd.atlas.2023-01-01+json"],
    ["q=0", "application/vnd.atlas.2024-11-13+json;q=0"],
  ])("answers 406 to %s", async (_, value) => {
    const response = await fetch(emulator.url + jobPath(jobs.completed), {
      headers: {
        authorization: `Bearer ${emulator.credentials.accessToken}`,
        ...(value === undefined ? {} : { accept: value }),
      },
    })
    expect(response.status).toBe(406)
    expect(((await response.json()) as { errorCode: string }).errorCode).toBe("INVALID_VERSION_DATE")
  })

  it("accepts the versioned type among others and with parameters", async () => {
    for (const value of [
      "application/json, application/vnd.atlas.2024-11-13+json",
      "application/vnd.atlas.2024-11-13+json;charset=utf-8",
      "application/vnd.atlas.2025-03-12+json",
    ]) {
      const response = await get(jobPath(jobs.completed), { accept: value })
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe(versioned)
    }
  })

  it("answers other methods with 405", async () => {
    const response = await fetch(emulator.url + jobPath(jobs.completed), {
      method: "DELETE",
      headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` },
    })
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("GET, HEAD")
  })

  it("wraps resources and errors in the envelope with HTTP 200", async () => {
    const plain = await getJson(jobPath(jobs.download))
    const wrapped = await getJson(jobPath(jobs.download) + "?envelope=true")
    expect(wrapped.response.status).toBe(200)
    expect(wrapped.body).toEqual({ status: 200, content: plain.body })

    const plainError = await getJson(jobPath("0123456789abcdef01234567"))
    const wrappedError = await getJson(jobPath("0123456789abcdef01234567") + "?envelope=true")
    expect(wrappedError.response.status).toBe(200)
    expect(wrappedError.body).toEqual({ status: 404, content: plainError.body })
    const falseEnvelope = await getJson(jobPath(jobs.download) + "?envelope=false")
    expect(falseEnvelope.body).toEqual(plain.body)
  })

  it("pretty-prints like Atlas on pretty=true and compactly otherwise", async () => {
    const compact = await (await get(jobPath(jobs.failed))).text()
    const pretty = await (await get(jobPath(jobs.failed) + "?pretty=true")).text()
    expect(compact).not.toContain("\n")
    expect(pretty).toMatch(/^\{\n {2}"deliveryType" : "RESTORE",\n/)
    expect(JSON.parse(pretty)).toEqual(JSON.parse(compact))
    const prettyError = await (await get(jobPath("0123456789abcdef01234567") + "?pretty=true")).text()
    expect(prettyError).toContain('"error" : 404')
  })

  it("sends RateLimit headers on API answers", async () => {
    const response = await get(jobPath(jobs.completed))
    expect(response.headers.get("ratelimit-limit")).toBe("1200")
    expect(Number(response.headers.get("ratelimit-remaining"))).toBeGreaterThan(1100)
  })

  it("answers HEAD with headers only", async () => {
    const response = await fetch(emulator.url + jobPath(jobs.completed), {
      method: "HEAD",
      headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` },
    })
    expect(response.status).toBe(200)
    expect(Number(response.headers.get("content-length"))).toBeGreaterThan(100)
    expect(await response.text()).toBe("")
  })
})
