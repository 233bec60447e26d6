/**
 * Fault injection, the rate limit, connection counting and shutdown, over
 * raw `fetch` and `node:http`.
 */
import { request, Agent } from "node:http"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, jobPath, manualClock } from "./helpers.js"

const path = jobPath(EmulatorSeed.jobs.completed)

describe("emulator: faults", () => {
  let emulator: RunningEmulator
  const get = (p = path, headers: Record<string, string> = {}) =>
    fetch(emulator.url + p, {
      headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}`, ...headers },
    })

  beforeAll(async () => {
    emulator = await startEmulator()
  })
  afterEach(() => emulator.clearFaults())
  afterAll(() => emulator.stop())

  it("answers a chosen status with an Atlas error body, `times` times", async () => {
    emulator.setFaults([{ match: { path: "/restoreJobs/", times: 2 }, status: 503, headers: { "Retry-After": "7" } }])
    for (let i = 0; i < 2; i++) {
      const response = await get()
      expect(response.status).toBe(503)
      expect(response.headers.get("retry-after")).toBe("7")
      expect(response.headers.get("x-error-code")).toBe("SERVICE_UNAVAILABLE")
      expect(await response.json()).toMatchObject({ error: 503, errorCode: "SERVICE_UNAVAILABLE" })
    }
    expect((await get()).status).toBe(200)
  })

  it("matches by method and by RegExp over path and query, first rule wins", async () => {
    emulator.setFaults([
      { match: { method: "POST" }, status: 500 },
      { match: { path: /pretty=true/ }, status: 429 },
      { match: { path: EmulatorSeed.jobs.failed }, status: 500 },
      { status: 502 },
    ])
    expect((await get(path + "?pretty=true")).status).toBe(429)
    expect((await get(jobPath(EmulatorSeed.jobs.failed))).status).toBe(500)
    expect((await get()).status).toBe(502)
  })

  it("uses a given body and content type", async () => {
    emulator.setFaults([{ status: 200, body: { status: "SOMETHING_NEW", extra: 1 } }])
    const response = await get()
    expect(response.headers.get("content-type")).toMatch(/^application\/vnd\.atlas\.2024-11-13\+json/)
    expect(await response.json()).toEqual({ status: "SOMETHING_NEW", extra: 1 })
    emulator.setFaults([{ body: "not json", contentType: "text/plain" }])
    const text = await get()
    expect(text.headers.get("content-type")).toBe("text/plain")
    expect(await text.text()).toBe("not json")
  })

  it("modifies the normal answer when the rule only adds headers or a delay", async () => {
    emulator.setFaults([{ match: { times: 1 }, headers: { "X-Extra": "yes" }, delayMillis: 1000 }])
    // Ordering, not a stopwatch: the delayed answer comes after an undelayed one asked for later.
    const order: Array<string> = []
    const delayed = get().then((r) => (order.push("delayed"), r))
    while (emulator.stats().activeRequests === 0) await new Promise((r) => setTimeout(r, 5))
    await get().then(() => order.push("plain"))
    const response = await delayed
    expect(order).toEqual(["plain", "delayed"])
    expect(response.status).toBe(200)
    expect(response.headers.get("x-extra")).toBe("yes")
    expect(((await response.json()) as { id: string }).id).toBe(EmulatorSeed.jobs.completed)
  })

  it("sends an HTML error page", async () => {
    emulator.setFaults([{ html: true }])
    const response = await get()
    expect(response.status).toBe(502)
    expect(response.headers.get("content-type")).toMatch(/^text\/html/)
    expect(await response.text()).toContain("<title>502 Bad Gateway</title>")
  })

  it("resets the connection", async () => {
    emulator.setFaults([{ reset: true, match: { times: 1 } }])
    await expect(get()).rejects.toThrow()
    expect((await get()).status).toBe(200)
  })

  it("truncates the body below its declared length", async () => {
    emulator.setFaults([{ truncate: true, match: { times: 1 } }])
    const response = await get()
    expect(response.status).toBe(200)
    await expect(response.text()).rejects.toThrow()
    const truncatedPadding = await startEmulator({ faults: [{ truncate: true, bodyBytes: 300_000 }] })
    try {
      const r = await fetch(truncatedPadding.url + path)
      expect(Number(r.headers.get("content-length"))).toBe(600_000)
      await expect(r.arrayBuffer()).rejects.toThrow()
    } finally {
      await truncatedPadding.stop()
    }
  })

  it("sends a JSON body of exactly bodyBytes", async () => {
    for (const size of [10, 1000, 3 * 1024 * 1024 + 7]) {
      emulator.setFaults([{ bodyBytes: size }])
      const response = await get()
      const bytes = new Uint8Array(await response.arrayBuffer())
      expect(bytes.length).toBe(size)
      expect(Number(response.headers.get("content-length"))).toBe(size)
      expect(JSON.parse(new TextDecoder().decode(bytes))).toBeTypeOf("object")
    }
  })

  it("hangs until the client gives up", async () => {
    emulator.setFaults([{ hang: true, match: { times: 1 } }])
    await expect(fetch(emulator.url + path, { signal: AbortSignal.timeout(200) })).rejects.toThrow()
    expect((await get()).status).toBe(200)
  })

  it("counts applied faults", async () => {
    emulator.resetStats()
    emulator.setFaults([{ status: 500, match: { times: 3 } }])
    for (let i = 0; i < 4; i++) await get()
    expect(emulator.stats()).toMatchObject({ faultsApplied: 3, byStatus: { 200: 1, 500: 3 } })
  })

  it("takes a per-request fault header only when allowed", async () => {
    const fault = JSON.stringify({ status: 500 })
    expect((await get(path, { "x-emulator-fault": fault })).status).toBe(200)
    const allowing = await startEmulator({ allowFaultHeader: true })
    try {
      const response = await fetch(allowing.url + path, {
        headers: { accept, authorization: `Bearer ${allowing.credentials.accessToken}`, "x-emulator-fault": fault },
      })
      expect(response.status).toBe(500)
    } finally {
      await allowing.stop()
    }
  })

  it("starts with the faults given as options", async () => {
    const faulty = await startEmulator({ faults: [{ status: 404, match: { times: 1 } }] })
    try {
      expect((await fetch(faulty.url + path)).status).toBe(404)
      expect((await fetch(faulty.url + path)).status).toBe(401)
    } finally {
      await faulty.stop()
    }
  })
})

describe("emulator: rate limit", () => {
  it("counts down RateLimit-Remaining, then answers 429 with Retry-After until the bucket refills", async () => {
    const clock = manualClock()
    const emulator = await startEmulator({ now: clock.now, rateLimit: { capacity: 3, refillPerSecond: 0.5 } })
    try {
      const get = () =>
        fetch(emulator.url + path, { headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` } })
      const remaining: Array<string | null> = []
      for (let i = 0; i < 3; i++) {
        const r = await get()
        expect(r.status).toBe(200)
        expect(r.headers.get("ratelimit-limit")).toBe("3")
        remaining.push(r.headers.get("ratelimit-remaining"))
      }
      expect(remaining).toEqual(["2", "1", "0"])
      const limited = await get()
      expect(limited.status).toBe(429)
      expect(limited.headers.get("retry-after")).toBe("2")
      expect(limited.headers.get("x-error-code")).toBe("RATE_LIMITED")
      expect(await limited.json()).toMatchObject({ error: 429, errorCode: "RATE_LIMITED" })
      clock.advance(2000)
      expect((await get()).status).toBe(200)
      // Digest challenges do not draw from the bucket: only authenticated calls do.
      expect((await fetch(emulator.url + path, { headers: { accept } })).status).toBe(401)
    } finally {
      await emulator.stop()
    }
  })

  it("can be switched off", async () => {
    const emulator = await startEmulator({ rateLimit: false })
    try {
      const r = await fetch(emulator.url + path, {
        headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` },
      })
      expect(r.status).toBe(200)
      expect(r.headers.get("ratelimit-limit")).toBeNull()
    } finally {
      await emulator.stop()
    }
  })
})

describe("emulator: connections and shutdown", () => {
  const getVia = (emulator: RunningEmulator, agent: Agent) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        emulator.url + path,
        { agent, headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` } },
        (res) => {
          res.resume()
          res.on("end", () => resolve(res.statusCode ?? 0))
        },
      )
      req.on("error", reject)
      req.end()
    })

  it("tracks active and maximum concurrent connections", async () => {
    const emulator = await startEmulator({ faults: [{ delayMillis: 100 }] })
    const agent = new Agent({ keepAlive: true, maxSockets: 4 })
    try {
      const statuses = await Promise.all(Array.from({ length: 12 }, () => getVia(emulator, agent)))
      expect(statuses.every((s) => s === 200)).toBe(true)
      const stats = emulator.stats()
      expect(stats.maxConcurrentConnections).toBe(4)
      expect(stats.connections).toBe(4)
      expect(stats.maxConcurrentRequests).toBe(4)
      expect(stats.requests).toBe(12)
      emulator.resetStats()
      expect(emulator.stats().maxConcurrentConnections).toBe(emulator.stats().activeConnections)
      agent.destroy()
      await new Promise((r) => setTimeout(r, 50))
      expect(emulator.stats().activeConnections).toBe(0)
    } finally {
      agent.destroy()
      await emulator.stop()
    }
  })

  it("stops with hung requests and keep-alive sockets open, idempotently", async () => {
    const emulator = await startEmulator({ faults: [{ hang: true, match: { path: "hang" } }] })
    const agent = new Agent({ keepAlive: true })
    try {
      expect(await getVia(emulator, agent)).toBe(200)
      const hung = fetch(emulator.url + "/hang").catch((e: unknown) => e)
      await new Promise((r) => setTimeout(r, 50))
      expect(emulator.stats().activeConnections).toBe(2)
      await Promise.all([emulator.stop(), emulator.stop()])
      expect(await hung).toBeInstanceOf(Error)
      await expect(fetch(emulator.url + path)).rejects.toThrow()
    } finally {
      agent.destroy()
    }
  })

  it("logs one line per request without credentials", async () => {
    const lines: Array<string> = []
    const emulator = await startEmulator({ log: (line) => lines.push(line) })
    try {
      await fetch(emulator.url + path + "?pretty=true", {
        headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` },
      })
      await fetch(emulator.url + "/api/oauth/token", {
        method: "POST",
        headers: {
          authorization:
            "Basic " +
            Buffer.from(`${emulator.credentials.clientId}:${emulator.credentials.clientSecret}`).toString("base64"),
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=client_credentials",
      })
      await new Promise((r) => setTimeout(r, 20))
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(new RegExp(`^GET ${path} 200 \\d+ms$`))
      expect(lines[1]).toMatch(/^POST \/api\/oauth\/token 200 \d+ms$/)
      for (const line of lines) {
        expect(line).not.toContain(emulator.credentials.accessToken)
        expect(line).not.toContain(emulator.credentials.clientSecret)
      }
    } finally {
      await emulator.stop()
    }
  })

  it("fails to start on a port in use", async () => {
    const first = await startEmulator()
    try {
      await expect(startEmulator({ port: first.port })).rejects.toThrow(/EADDRINUSE/)
    } finally {
      await first.stop()
    }
  })
})
