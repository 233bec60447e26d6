import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  AuthError,
  BadRequest,
  Forbidden,
  InvalidRequest,
  NotFound,
  RateLimited,
  ResponseDecodeError,
  ServerError,
  Timeout,
  TransportError,
  Unauthorized,
  UnexpectedStatus,
  WaitTimeout,
} from "../../src/atlas/AtlasError.js"
import { checkRef } from "../../src/atlas/FlexRestoreJobRef.js"
import { maskSecrets } from "../../src/atlas/maskSecrets.js"
import { errorLine } from "../../src/cli/errorLine.js"
import type { CommandFailure } from "../../src/cli/errorLine.js"
import { ExitCode, exitCodeFor } from "../../src/cli/ExitCode.js"
import { JobFailed } from "../../src/cli/JobFailed.js"
import { formatDuration, parseDuration } from "../../src/cli/parseDuration.js"
import { renderJob, renderTable, tableColumns } from "../../src/cli/renderJob.js"

describe("parseDuration", () => {
  it.each([
    ["30m", 1_800_000],
    ["5s", 5_000],
    ["250ms", 250],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["2d", 172_800_000],
    ["90", 90_000],
    ["0.5", 500],
    [" 10s ", 10_000],
    ["0s", 0],
  ])("reads %j as %i ms", (text, millis) => {
    expect(parseDuration(text)).toBe(millis)
  })

  it.each(["", "m", "5 minutes", "-5s", "5x", "1h 30m", "s5", "5sm", "1e3s", "Infinity"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })

  it("reads back whatever formatDuration writes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400_000 }), (millis) => {
        expect(parseDuration(formatDuration(millis))).toBe(millis)
      }),
    )
  })

  it("writes the shortest form", () => {
    expect(formatDuration(5_400_000)).toBe("1h30m")
    expect(formatDuration(500)).toBe("500ms")
    expect(formatDuration(0)).toBe("0s")
  })
})

const job = {
  deliveryType: "DOWNLOAD",
  expirationDate: "2026-08-12T09:15:00Z",
  id: "66a0000000000000000000d1",
  instanceName: "flex-demo",
  projectId: "6650f1a2b3c4d5e6f7a8b9c0",
  restoreFinishedDate: "2026-08-11T09:16:27Z",
  restoreScheduledDate: "2026-08-11T09:15:00Z",
  snapshotId: "66a0000000000000000005d1",
  snapshotUrl: "https://example.invalid/snap.tar.gz",
  status: "COMPLETED",
  targetDeploymentItemName: "flex-demo",
}

describe("renderJob", () => {
  it("prints JSON with the API's field names, compact unless asked to indent", () => {
    const text = renderJob(job, { format: "json", indent: false, envelope: false })
    expect(text.endsWith("\n")).toBe(true)
    expect(text.trimEnd().includes("\n")).toBe(false)
    expect(JSON.parse(text)).toEqual(job)
    const indented = renderJob(job, { format: "json", indent: true, envelope: false })
    expect(indented.split("\n").length).toBeGreaterThan(10)
    expect(JSON.parse(indented)).toEqual(job)
  })

  it("wraps JSON in Atlas's envelope when asked", () => {
    expect(JSON.parse(renderJob(job, { format: "json", indent: false, envelope: true }))).toEqual({
      status: 200,
      content: job,
    })
  })

  it("prints a table with the Atlas CLI's columns plus status and dates, values under their headers", () => {
    const [header, row, ...rest] = renderJob(job, { format: "table", indent: false, envelope: true })
      .trimEnd()
      .split("\n")
    expect(rest).toEqual([])
    for (const name of ["ID", "SNAPSHOT", "CLUSTER", "TYPE", "EXPIRES AT", "URLs", "STATUS", "SCHEDULED", "FINISHED"]) {
      expect(header).toContain(name)
    }
    for (const [name, field] of tableColumns) {
      const at = header!.indexOf(name)
      expect(row!.slice(at).startsWith(String(job[field as keyof typeof job]))).toBe(true)
    }
  })

  it("shows an absent value as '-' so every row keeps its columns", () => {
    const [header, row] = renderTable([{ id: "66a0000000000000000000a3", status: "RUNNING" }]).split("\n")
    expect(row!.split(/\s{3,}/)).toEqual(["66a0000000000000000000a3", "-", "-", "-", "RUNNING", "-", "-", "-", "-"])
    expect(header!.split(/\s{3,}/)).toHaveLength(tableColumns.length)
  })
})

const api = { status: 404, errorCode: "RESOURCE_NOT_FOUND", detail: "Cannot find resource restore job x." }

const cases: ReadonlyArray<readonly [CommandFailure, ExitCode, string | undefined]> = [
  [new InvalidRequest({ fields: checkRef({ groupId: "xyz", name: "ok", restoreJobId: "nope" }) }), 2, undefined],
  [new BadRequest({ ...api, status: 400, errorCode: "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API" }), 1, "CANNOT_USE"],
  [new Unauthorized({ ...api, status: 401, errorCode: "USER_UNAUTHORIZED" }), 1, "USER_UNAUTHORIZED"],
  [new Forbidden({ ...api, status: 403, errorCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST" }), 1, "IP_ADDRESS"],
  [new NotFound(api), 1, "RESOURCE_NOT_FOUND"],
  [new RateLimited({ ...api, status: 429, errorCode: "RATE_LIMITED", retryAfterSeconds: 55 }), 1, "RATE_LIMITED"],
  [new ServerError({ ...api, status: 500, errorCode: "UNEXPECTED_ERROR" }), 1, "UNEXPECTED_ERROR"],
  [new UnexpectedStatus({ ...api, status: 410, errorCode: "VERSION_GONE" }), 1, "VERSION_GONE"],
  [new ResponseDecodeError({ status: 200, reason: "not JSON" }), 1, undefined],
  [new TransportError({ reason: "connect ECONNREFUSED 127.0.0.1:1" }), 3, undefined],
  [new Timeout({ afterMillis: 30_000, what: "one attempt" }), 3, undefined],
  [new AuthError({ reason: "no Atlas credentials configured" }), 2, undefined],
  [new AuthError({ reason: "token endpoint refused", status: 401, errorCode: "INVALID_CLIENT" }), 1, "INVALID_CLIENT"],
  [new WaitTimeout({ afterMillis: 1_800_000, lastStatus: "RUNNING" }), 4, undefined],
  [new JobFailed({ restoreJobId: "66a0000000000000000000f1", elapsedMillis: 10 }), 1, undefined],
]

describe("errorLine and exitCodeFor", () => {
  it.each(cases)(
    "%s: one line naming the type, the Atlas code and a hint, and exit code %i",
    (error, code, atlasCode) => {
      const line = errorLine(error)
      expect(exitCodeFor(error)).toBe(code)
      expect(line.includes("\n")).toBe(false)
      expect(line.startsWith(`${error._tag}: `)).toBe(true)
      expect(line).toMatch(/\. Hint: \S/)
      expect(line).not.toMatch(/\.\. Hint/)
      if (atlasCode !== undefined) expect(line).toContain(atlasCode)
    },
  )

  it("names the flags, not the API's field names, for invalid input", () => {
    const line = errorLine(cases[0]![0])
    expect(line).toContain('--group-id "xyz"')
    expect(line).toContain('--restore-job-id "nope"')
    expect(line).not.toContain("--name")
  })

  it("covers every documented exit code", () => {
    expect(new Set(cases.map(([, code]) => code))).toEqual(new Set(Object.values(ExitCode).filter((c) => c !== 0)))
  })

  it("masks secrets, but not short values that would garble words", () => {
    expect(maskSecrets("key s3cr3t-value-1 leaked twice: s3cr3t-value-1", ["s3cr3t-value-1", "abc"])).toBe(
      "key <redacted> leaked twice: <redacted>",
    )
  })
})
