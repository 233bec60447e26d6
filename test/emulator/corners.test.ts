/**
 * Corners of the emulator that a client can tell apart, each test starting
 * its own emulator (so what `startEmulator` sets up is judged too): the
 * default lifetimes of tokens and nonces, digest headers at the edges of
 * RFC 7616 and RFC 9110's list syntax, how the OAuth endpoints read Basic
 * and form credentials, empty and lone query flags, a request without
 * Accept, clients that give up half-way, truncated padded bodies byte for
 * byte, delays on the (fake) timer clock, the log's outcomes, and what
 * `stop` leaves behind.
 */
import { get, type IncomingHttpHeaders } from "node:http"
import { connect } from "node:net"
import { afterEach, describe, expect, it, vi } from "vitest"
import { DigestAuth } from "../../src/emulator/DigestAuth.js"
import { EmulatorSeed, startEmulator, type EmulatorOptions, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, call, digestAuthorization, jobPath, manualClock, parseChallenge, type Answer } from "./helpers.js"

const job = jobPath(EmulatorSeed.jobs.completed)
const form = { "content-type": "application/x-www-form-urlencoded" }
const basic = (text: string) => `Basic ${Buffer.from(text).toString("base64")}`

const running: Array<RunningEmulator> = []
const start = async (options: EmulatorOptions = {}) => {
  const emulator = await startEmulator(options)
  running.push(emulator)
  return emulator
}
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(running.splice(0).map((emulator) => emulator.stop()))
})

/** A GET over node:http: no default headers (fetch always sends Accept), and no timers of its own. */
const plainGet = (emulator: RunningEmulator, path: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
    get(emulator.url + path, { headers, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      )
    }).on("error", reject)
  })

/** Writes `request` on a socket and reads everything until the emulator closes it. */
const raw = (emulator: RunningEmulator, request: string) =>
  new Promise<{ head: string; body: Buffer }>((resolve) => {
    const chunks: Array<Buffer> = []
    const socket = connect(emulator.port, "127.0.0.1", () => socket.write(request))
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", () => undefined)
    socket.on("close", () => {
      const all = Buffer.concat(chunks)
      const end = all.indexOf("\r\n\r\n")
      resolve({ head: all.subarray(0, end).toString().toLowerCase(), body: all.subarray(end + 4) })
    })
  })

/** Yields to the event loop until `done` holds (no timer involved, so it also runs under fake timers). */
const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setImmediate(resolve))
}

const bearer = (emulator: RunningEmulator) => ({
  accept,
  authorization: `Bearer ${emulator.credentials.accessToken}`,
})

describe("emulator corners: tokens", () => {
  it("issues tokens for an hour by default, as application/json", async () => {
    const clock = manualClock()
    const emulator = await start({ rateLimit: false, now: clock.now })
    const { clientId, clientSecret } = emulator.credentials
    const answer = await call(emulator, "/api/oauth/token", {
      method: "POST",
      headers: { ...form, authorization: basic(`${clientId}:${clientSecret}`) },
      body: "grant_type=client_credentials",
    })
    expect([answer.status, answer.headers["content-type"]]).toStrictEqual([200, "application/json"])
    const { access_token: token, expires_in: expiresIn } = JSON.parse(answer.text) as Record<string, unknown>
    expect(expiresIn).toBe(3600)
    const use = async () =>
      (await call(emulator, job, { headers: { accept, authorization: `Bearer ${token}` } })).status
    clock.advance(3_599_999)
    expect(await use()).toBe(200)
    clock.advance(1)
    expect(await use()).toBe(401)
  })

  it("revoking a token it never issued leaves that token unknown, not revoked", async () => {
    const emulator = await start({ rateLimit: false })
    const { clientId, clientSecret } = emulator.credentials
    const revoke = await call(emulator, "/api/oauth/revoke", {
      method: "POST",
      headers: { ...form, authorization: basic(`${clientId}:${clientSecret}`) },
      body: "token=never-issued",
    })
    expect(revoke.status).toBe(200)
    const answer = await call(emulator, job, { headers: { accept, authorization: "Bearer never-issued" } })
    expect([answer.status, JSON.parse(answer.text).detail]).toStrictEqual([401, "The access token is not valid."])
  })
})

describe("emulator corners: digest", () => {
  const setUp = async (options: EmulatorOptions = {}) => {
    const emulator = await start({ rateLimit: false, ...options })
    const nonce = async () =>
      parseChallenge((await call(emulator, job, { headers: { accept } })).headers["www-authenticate"] ?? null).nonce!
    const sign = (nonceValue: string, nc: number, overrides: Partial<Parameters<typeof digestAuthorization>[0]> = {}) =>
      digestAuthorization({
        username: emulator.credentials.publicKey,
        password: emulator.credentials.privateKey,
        method: "GET",
        uri: job,
        nonce: nonceValue,
        nc,
        ...overrides,
      })
    /** "accepted", or the challenge's stale flag, or the status of anything else. */
    const verdict = async (authorization: string, method = "GET") => {
      const answer = await call(emulator, job, { method, headers: { accept, authorization } })
      if (answer.status === 200) return "accepted"
      if (answer.status !== 401) return `HTTP ${answer.status}`
      return `stale=${parseChallenge(answer.headers["www-authenticate"] ?? null).stale}`
    }
    return { emulator, nonce, sign, verdict }
  }

  it("keeps a nonce for five minutes by default", async () => {
    const clock = manualClock()
    const { nonce, sign, verdict } = await setUp({ now: clock.now })
    const n = await nonce()
    clock.advance(300_000)
    expect(await verdict(sign(n, 1))).toBe("accepted")
    clock.advance(1)
    expect(await verdict(sign(n, 2))).toBe("stale=true")
  })

  it("takes whitespace around the commas between parameters", async () => {
    const { nonce, sign, verdict } = await setUp()
    expect(await verdict(sign(await nonce(), 1).replaceAll(", ", " , "))).toBe("accepted")
  })

  it("refuses a header missing a parameter, or with one empty, with a fresh challenge (not a 500)", async () => {
    const { nonce, sign, verdict } = await setUp()
    const n = await nonce()
    expect(await verdict(sign(n, 1).replace(/, response="[^"]*"/, ""))).toBe("stale=false")
    // The response computed with the empty cnonce the header carries.
    expect(await verdict(sign(n, 2, { cnonce: "" }))).toBe("stale=false")
    expect(await verdict(sign(n, 3))).toBe("accepted")
  })

  it("refuses a response of the wrong length with a fresh challenge (not a 500)", async () => {
    const { nonce, sign, verdict } = await setUp()
    expect(await verdict(sign(await nonce(), 1).replace(/response="[0-9a-f]{32}"/, 'response="abc"'))).toBe(
      "stale=false",
    )
  })

  it("takes digest parameters only under the Digest scheme", async () => {
    const { nonce, sign, verdict } = await setUp()
    expect(await verdict(sign(await nonce(), 1).replace(/^Digest /, "Custom "))).toBe("stale=false")
  })

  it("signs HEAD as HEAD", async () => {
    const { nonce, sign, verdict } = await setUp()
    const n = await nonce()
    expect(await verdict(sign(n, 1, { method: "HEAD" }), "HEAD")).toBe("accepted")
    expect(await verdict(sign(n, 2), "HEAD")).toBe("stale=false")
  })

  const nonceOf = (challenge: string) => parseChallenge(challenge).nonce!
  const credentialsFor = (nonce: string, nc: number) =>
    digestAuthorization({ username: "u", password: "p", method: "GET", uri: "/x", nonce, nc }).slice("Digest ".length)

  it("calls a nonce stale once it has carried its cap of nc values", () => {
    const auth = new DigestAuth("u", "p", 60_000, 3)
    const nonce = nonceOf(auth.challenge(0, false))
    expect([1, 2, 3, 4].map((nc) => auth.verify("GET", "/x", credentialsFor(nonce, nc), 0))).toStrictEqual([
      { ok: true },
      { ok: true },
      { ok: true },
      { ok: false, stale: true },
    ])
  })

  it("frees only expired nonces when it holds 256 of them", () => {
    const t = 1_000_000
    const auth = new DigestAuth("u", "p", 1_000)
    const live = nonceOf(auth.challenge(t, false))
    const expired = nonceOf(auth.challenge(t - 1, false))
    // Each challenge from the 256th on sweeps; `live` is exactly 1,000 ms old, still within its lifetime.
    for (let i = 0; i < 300; i++) auth.challenge(t + 1_000, false)
    expect(auth.verify("GET", "/x", credentialsFor(live, 1), t + 1_000)).toStrictEqual({ ok: true })
    expect(auth.verify("GET", "/x", credentialsFor(expired, 1), t + 1_000)).toStrictEqual({ ok: false, stale: true })
  })
})

describe("emulator corners: the restore-job endpoint", () => {
  it("reads an empty pretty or envelope as false", async () => {
    const emulator = await start({ rateLimit: false })
    const answer = await call(emulator, `${job}?pretty=&envelope=`, { headers: bearer(emulator) })
    expect(answer.status).toBe(200)
    expect(answer.text.startsWith('{"deliveryType":"RESTORE",')).toBe(true)
  })

  it("lists exactly the flags that are not booleans", async () => {
    const emulator = await start({ rateLimit: false })
    const fields = async (query: string) => {
      const answer = await call(emulator, job + query, { headers: bearer(emulator) })
      const body = JSON.parse(answer.text) as { badRequestDetail: unknown; parameters: unknown }
      return [answer.status, body.badRequestDetail, body.parameters]
    }
    expect(await fields("?envelope=maybe&pretty=true")).toStrictEqual([
      400,
      { fields: [{ field: "envelope", description: "must be a boolean" }] },
      ["maybe"],
    ])
    expect(await fields("?pretty=no")).toStrictEqual([
      400,
      { fields: [{ field: "pretty", description: "must be a boolean" }] },
      ["no"],
    ])
  })

  it("answers a request without Accept with 406 naming an empty header", async () => {
    const emulator = await start({ rateLimit: false })
    const answer = await plainGet(emulator, job, { authorization: `Bearer ${emulator.credentials.accessToken}` })
    expect([answer.status, JSON.parse(answer.text).parameters]).toStrictEqual([406, [""]])
  })

  it("resets its counters without a rate limit", async () => {
    const emulator = await start({ rateLimit: false })
    expect((await call(emulator, job, { headers: bearer(emulator) })).status).toBe(200)
    emulator.resetStats()
    expect(emulator.stats()).toMatchObject({ requests: 0, byStatus: {} })
  })

  it("listens on IPv6 with a bracketed URL", async () => {
    const emulator = await start({ host: "::1", rateLimit: false })
    expect(emulator.url).toBe(`http://[::1]:${emulator.port}`)
    expect((await call(emulator, job, { headers: bearer(emulator) })).status).toBe(200)
  })
})

describe("emulator corners: OAuth credentials", () => {
  const token = (emulator: RunningEmulator, body: string, authorization?: string) =>
    call(emulator, "/api/oauth/token", {
      method: "POST",
      headers: authorization === undefined ? form : { ...form, authorization },
      body,
    })
  const detail = (answer: Answer) => [answer.status, (JSON.parse(answer.text) as { detail: string }).detail]
  const required = [401, "Service account credentials are required (HTTP Basic)."]
  const invalid = [401, "Invalid service account client id or secret."]

  it("takes a form of exactly 64 KiB whole, its last byte included", async () => {
    const emulator = await start({ rateLimit: false })
    const { clientId, clientSecret } = emulator.credentials
    const last = "&grant_type=client_credentials"
    const body = "pad=" + "x".repeat(64 * 1024 - 4 - last.length) + last
    expect(Buffer.byteLength(body)).toBe(64 * 1024)
    expect((await token(emulator, body, basic(`${clientId}:${clientSecret}`))).status).toBe(200)
  })

  it("reads Basic only as the whole header: the scheme first, one credential, any run of spaces between", async () => {
    const emulator = await start({ rateLimit: false })
    const { clientId, clientSecret } = emulator.credentials
    const encoded = Buffer.from(`${clientId}:${clientSecret}`).toString("base64")
    const grant = "grant_type=client_credentials"
    expect(detail(await token(emulator, grant, `NotBasic ${encoded}`))).toStrictEqual(required)
    expect(detail(await token(emulator, grant, `Basic ${encoded} extra`))).toStrictEqual(required)
    expect((await token(emulator, grant, `Basic   ${encoded}`)).status).toBe(200)
  })

  it("calls an empty client id wrong, and a form with only a secret incomplete", async () => {
    const emulator = await start({ rateLimit: false })
    const { clientSecret } = emulator.credentials
    const grant = "grant_type=client_credentials"
    expect(detail(await token(emulator, grant, basic(`:${clientSecret}`)))).toStrictEqual(invalid)
    expect(detail(await token(emulator, `${grant}&client_secret=${clientSecret}`))).toStrictEqual(required)
  })

  it("takes a Basic secret with a bare % as it is", async () => {
    const emulator = await start({ rateLimit: false, credentials: { clientSecret: "100%pure" } })
    const answer = await token(
      emulator,
      "grant_type=client_credentials",
      basic(`${emulator.credentials.clientId}:100%pure`),
    )
    expect(answer.status).toBe(200)
  })

  it("answers nothing to a client that gives up half-way through its form, and counts no answer", async () => {
    const emulator = await start({ rateLimit: false })
    const socket = connect(emulator.port, "127.0.0.1", () =>
      socket.write(
        "POST /api/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
          "Content-Length: 1000\r\n\r\ngrant_type=client_",
      ),
    )
    socket.on("error", () => undefined)
    await until(() => emulator.stats().activeRequests === 1)
    socket.destroy()
    await until(() => emulator.stats().activeRequests === 0)
    expect((await call(emulator, "/nope")).status).toBe(404)
    expect(emulator.stats()).toMatchObject({ tokenRequests: 1, tokensIssued: 0, byStatus: { "404": 1 } })
    expect(Object.keys(emulator.stats().byStatus)).toStrictEqual(["404"])
  })
})

describe("emulator corners: faults", () => {
  it("truncates a padded body at half its size, small or streamed", async () => {
    const emulator = await start({ rateLimit: false })
    const auth = `Authorization: Bearer ${emulator.credentials.accessToken}\r\nAccept: ${accept}\r\n`
    for (const [bytes, declared, sent] of [
      [10, 26, 5],
      [300_000, 600_000, 150_000],
    ] as const) {
      emulator.setFaults([{ bodyBytes: bytes, truncate: true }])
      const { head, body } = await raw(emulator, `GET ${job} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`)
      expect(head).toContain(`content-length: ${declared}\r\n`)
      expect(body.length).toBe(sent)
      expect(body.toString().startsWith(bytes < 16 ? "{}   " : '{"padding":"xxx')).toBe(true)
    }
  })

  it("answers a request target no URL parser takes with a whole 400, and logs it", async () => {
    const lines: Array<string> = []
    const emulator = await start({ now: () => 0, log: (line) => lines.push(line) })
    const { head, body } = await raw(emulator, "GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    expect(head.startsWith("http/1.1 400 ")).toBe(true)
    expect(head).toContain(`content-length: ${body.length}\r\n`)
    expect(JSON.parse(body.toString())).toStrictEqual({
      detail: "Malformed request target.",
      error: 400,
      errorCode: "INVALID_PARAMETER",
      parameters: [],
      reason: "Bad Request",
    })
    await until(() => lines.length === 1)
    expect(lines).toStrictEqual(["GET http://[ 400 0ms"])
  })

  it("sends its own failure as application/json", async () => {
    const emulator = await start({ rateLimit: false, faults: [{ body: { n: 1n } as unknown as object }] })
    const answer = await call(emulator, job, { headers: bearer(emulator) })
    expect([answer.status, answer.headers["content-type"]]).toStrictEqual([500, "application/json"])
  })

  it("counts no fault for a fault header that is not a JSON object", async () => {
    const emulator = await start({ rateLimit: false, allowFaultHeader: true })
    for (const value of ["418", '"x"', "true", "null", "{nope"]) {
      const answer = await call(emulator, job, { headers: { ...bearer(emulator), "x-emulator-fault": value } })
      expect(answer.status).toBe(200)
    }
    expect(emulator.stats().faultsApplied).toBe(0)
  })

  it("never applies a rule of times 0, and forgets every rule on clearFaults", async () => {
    const emulator = await start({ rateLimit: false })
    emulator.setFaults([{ match: { times: 0 }, status: 500 }, { status: 503 }])
    expect((await call(emulator, job, { headers: bearer(emulator) })).status).toBe(503)
    emulator.clearFaults()
    expect((await call(emulator, job, { headers: bearer(emulator) })).status).toBe(200)
    expect(emulator.stats().faultsApplied).toBe(1)
  })

  it("names a status Node has no reason for Unknown, and titles its HTML page Error", async () => {
    const emulator = await start({ rateLimit: false })
    emulator.setFaults([{ status: 599 }])
    const answer = await call(emulator, job, { headers: bearer(emulator) })
    expect([answer.status, JSON.parse(answer.text).reason]).toStrictEqual([599, "Unknown"])
    emulator.setFaults([{ status: 599, html: true }])
    expect((await call(emulator, job, { headers: bearer(emulator) })).text).toContain("<title>599 Error</title>")
  })
})

describe("emulator corners: delays, hangs and stop", () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length

  it("logs a request cut by stop by its outcome, and leaves no timer of a pending delay behind", async () => {
    const lines: Array<string> = []
    const emulator = await start({
      now: () => 0,
      log: (line) => lines.push(line),
      faults: [
        { match: { path: "/slow" }, delayMillis: 600_000 },
        { match: { path: "/hang" }, hang: true },
      ],
    })
    const before = timeouts()
    const requests = ["/slow", "/hang"].map((path) => plainGet(emulator, path).catch(() => "cut"))
    await until(() => emulator.stats().activeRequests === 2)
    expect(timeouts()).toBe(before + 1)
    await emulator.stop()
    expect(await Promise.all(requests)).toStrictEqual(["cut", "cut"])
    expect(timeouts()).toBe(before)
    await until(() => lines.length === 2)
    expect([...lines].sort()).toStrictEqual(["GET /hang hang 0ms", "GET /slow - 0ms"])
  })

  it("waits delayMillis on the timer clock, and not at all for none or 0", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] })
    const emulator = await start({
      faults: [
        { match: { path: "/none" }, status: 503 },
        { match: { path: "/zero" }, status: 503, delayMillis: 0 },
        { match: { path: "/later" }, status: 503, delayMillis: 1_000 },
      ],
    })
    // Under fake timers a timer fires only when the test moves the clock: these two must not wait for one.
    expect((await plainGet(emulator, "/none")).status).toBe(503)
    expect((await plainGet(emulator, "/zero")).status).toBe(503)
    const later = plainGet(emulator, "/later")
    await until(() => emulator.stats().activeRequests === 1)
    await vi.advanceTimersByTimeAsync(999)
    expect(emulator.stats().byStatus).toStrictEqual({ "503": 2 })
    await vi.advanceTimersByTimeAsync(1)
    expect((await later).status).toBe(503)
  })

  it("does not serve a request whose client left during its delay: the rate limit keeps its token", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] })
    const emulator = await start({
      rateLimit: { capacity: 1, refillPerSecond: 0 },
      faults: [{ match: { times: 1 }, delayMillis: 1_000 }],
    })
    const left = get(emulator.url + job, { headers: bearer(emulator), agent: false })
    left.on("error", () => undefined)
    await until(() => emulator.stats().activeRequests === 1)
    left.destroy()
    await until(() => emulator.stats().activeRequests === 0)
    await vi.advanceTimersByTimeAsync(1_000)
    const served = await plainGet(emulator, job, bearer(emulator))
    expect([served.status, served.headers["ratelimit-remaining"]]).toStrictEqual([200, "0"])
  })
})
