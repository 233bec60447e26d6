/**
 * What injected faults make the emulator send, byte for byte where a client
 * could tell: the Atlas error for a bare status, replacement bodies and
 * their content types, the HTML page of a proxy, padded bodies of an exact
 * size, a truncated body, headers, rules used up after `times`, the fault
 * header, an emulator failure, a malformed request target, and the counters.
 */
import { connect } from "node:net"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator, type FaultRule, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, jobPath } from "./helpers.js"

const job = jobPath(EmulatorSeed.jobs.completed)
const versioned = "application/vnd.atlas.2024-11-13+json;charset=utf-8"

describe("emulator: what faults send", () => {
  const lines: Array<string> = []
  let emulator: RunningEmulator
  beforeAll(async () => {
    emulator = await startEmulator({
      rateLimit: { capacity: 1000, refillPerSecond: 1 },
      now: () => 7_000,
      allowFaultHeader: true,
      log: (line) => lines.push(line),
    })
  })
  afterEach(() => emulator.clearFaults())
  afterAll(() => emulator.stop())

  const get = async (rules: ReadonlyArray<FaultRule>, headers: Record<string, string> = {}, path = job) => {
    emulator.setFaults(rules)
    const response = await fetch(emulator.url + path, {
      headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}`, ...headers },
    })
    const bytes = Buffer.from(await response.arrayBuffer())
    return { status: response.status, headers: Object.fromEntries(response.headers), bytes, text: bytes.toString() }
  }

  it.each([
    [400, "INVALID_PARAMETER", "Bad Request"],
    [401, "USER_UNAUTHORIZED", "Unauthorized"],
    [403, "FORBIDDEN", "Forbidden"],
    [404, "RESOURCE_NOT_FOUND", "Not Found"],
    [406, "INVALID_VERSION_DATE", "Not Acceptable"],
    [410, "VERSION_GONE", "Gone"],
    [429, "RATE_LIMITED", "Too Many Requests"],
    [503, "SERVICE_UNAVAILABLE", "Service Unavailable"],
    [500, "UNEXPECTED_ERROR", "Internal Server Error"],
    [502, "UNEXPECTED_ERROR", "Bad Gateway"],
    [418, "HTTP_418", "I'm a Teapot"],
  ])("a bare status %i: Atlas's error %s", async (status, errorCode, reason) => {
    const answer = await get([{ status }])
    expect([answer.status, answer.headers["x-error-code"], answer.headers["content-type"]]).toStrictEqual([
      status,
      errorCode,
      "application/json",
    ])
    expect(JSON.parse(answer.text)).toStrictEqual({
      detail: `Injected fault: HTTP ${status}.`,
      error: status,
      errorCode,
      parameters: [],
      reason,
    })
  })

  it("a status below 400 alone: an empty body", async () => {
    const answer = await get([{ status: 202 }])
    expect([answer.status, answer.text, answer.headers["content-length"]]).toStrictEqual([202, "", "0"])
  })

  it("replacement bodies: text as is, objects as JSON, versioned below 400, plain JSON from 400", async () => {
    const text = await get([{ body: "not json" }])
    expect([text.status, text.text, text.headers["content-type"]]).toStrictEqual([200, "not json", versioned])
    const object = await get([{ status: 400, body: { a: 1 } }])
    expect([object.status, object.text, object.headers["content-type"]]).toStrictEqual([
      400,
      '{"a":1}',
      "application/json",
    ])
    const redirect = await get([{ status: 399, body: {} }])
    expect(redirect.headers["content-type"]).toBe(versioned)
  })

  it("a proxy's HTML page, 502 unless told", async () => {
    const page = (title: string) =>
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`
    const bad = await get([{ html: true }])
    expect([bad.status, bad.headers["content-type"], bad.text]).toStrictEqual([
      502,
      "text/html; charset=utf-8",
      page("502 Bad Gateway"),
    ])
    expect((await get([{ html: true, status: 504 }])).text).toBe(page("504 Gateway Timeout"))
  })

  it.each([
    [1, "{}"],
    [2, "{}"],
    [10, "{}        "],
    [15, "{}             "],
    [16, '{"padding":"xx"}'],
    [20, '{"padding":"xxxxxx"}'],
  ])("a padded body of %i bytes", async (bodyBytes, text) => {
    const answer = await get([{ bodyBytes }])
    expect([answer.status, answer.text, answer.headers["content-type"]]).toStrictEqual([200, text, versioned])
  })

  it("a large padded body is exact JSON of that size", async () => {
    for (const size of [(1 << 16) - 1, 1 << 16, 200_000]) {
      const answer = await get([{ bodyBytes: size, status: 201 }])
      expect([answer.status, answer.bytes.length, answer.headers["content-length"]]).toStrictEqual([
        201,
        size,
        String(size),
      ])
      expect(JSON.parse(answer.text)).toStrictEqual({ padding: "x".repeat(size - 14) })
    }
  })

  it("extra headers, lower-cased, and a content type of the rule's choosing", async () => {
    const answer = await get([{ headers: { "X-Trace": "t1", "RateLimit-Limit": "5" }, contentType: "text/plain" }])
    expect(answer.status).toBe(200)
    expect(answer.headers).toMatchObject({ "x-trace": "t1", "ratelimit-limit": "5", "content-type": "text/plain" })
    expect(JSON.parse(answer.text)).toMatchObject({ id: EmulatorSeed.jobs.completed })
  })

  it("a rule with times applies that often, for its method only (any case)", async () => {
    emulator.setFaults([
      { match: { method: "post", times: 5 }, status: 500 },
      { match: { method: "get", path: "restoreJobs", times: 2 }, status: 503 },
    ])
    const statuses: Array<number> = []
    for (let i = 0; i < 3; i++) {
      const response = await fetch(emulator.url + job, {
        headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` },
      })
      await response.arrayBuffer()
      statuses.push(response.status)
    }
    expect(statuses).toStrictEqual([503, 503, 200])
  })

  it("the fault header: a JSON object applies, anything else is ignored", async () => {
    expect((await get([], { "x-emulator-fault": '{"status":418}' })).status).toBe(418)
    for (const value of ["418", "null", "{nope", '"x"'])
      expect((await get([], { "x-emulator-fault": value })).status).toBe(200)
  })

  it("an emulator failure: 500 with its own error, and a truncated body", async () => {
    const failure = await get([{ body: { n: 1n } as unknown as object }])
    expect([failure.status, failure.text]).toStrictEqual([
      500,
      '{"error":500,"errorCode":"UNEXPECTED_ERROR","detail":"Emulator failure."}',
    ])
    await expect(get([{ truncate: true }])).rejects.toThrow()
  })

  it("logs faults by outcome", async () => {
    lines.length = 0
    await get([{ truncate: true }]).catch(() => undefined)
    await get([{ status: 418 }], {}, "/x?y=1")
    await expect.poll(() => lines.length).toBe(2)
    expect(lines).toStrictEqual([`GET ${job} 200 truncated 0ms`, "GET /x 418 0ms"])
  })

  it("a request target no URL parser takes: 400", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(emulator.port, "127.0.0.1", () =>
        socket.write("GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      )
      let data = ""
      socket.on("data", (chunk) => (data += chunk.toString()))
      socket.on("end", () => resolve(data))
      socket.on("error", reject)
    })
    expect(raw.startsWith("HTTP/1.1 400 ")).toBe(true)
    expect(raw).toContain("x-error-code: INVALID_PARAMETER")
    expect(raw).toContain('"detail":"Malformed request target."')
  })
})

describe("emulator: counters and stop", () => {
  it("counts requests, API requests, faults and statuses; reset keeps what is in flight and refills the bucket", async () => {
    const emulator = await startEmulator({ rateLimit: { capacity: 1, refillPerSecond: 0.001 }, now: () => 0 })
    const headers = { accept, authorization: `Bearer ${emulator.credentials.accessToken}` }
    const status = async (path: string) => {
      const response = await fetch(emulator.url + path, { headers })
      await response.arrayBuffer()
      return response.status
    }
    emulator.setFaults([{ match: { path: "/other", times: 1 }, status: 500 }])
    expect([await status(job), await status(job), await status("/other"), await status("/other")]).toStrictEqual([
      200, 429, 500, 404,
    ])
    expect(emulator.stats()).toMatchObject({
      requests: 4,
      apiRequests: 2,
      faultsApplied: 1,
      byStatus: { "200": 1, "429": 1, "500": 1, "404": 1 },
      activeRequests: 0,
      maxConcurrentRequests: 1,
    })
    expect(emulator.stats().connections).toBeGreaterThanOrEqual(1)
    emulator.resetStats()
    expect(emulator.stats()).toMatchObject({ requests: 0, apiRequests: 0, byStatus: {}, maxConcurrentRequests: 0 })
    expect(await status(job)).toBe(200)
    const first = emulator.stop()
    expect(emulator.stop()).toBe(first)
    await first
    await expect.poll(() => emulator.stats().activeConnections).toBe(0)
  })
})
