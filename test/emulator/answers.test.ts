/**
 * The emulator's answers as a client reads them, exactly: every error body
 * (detail, parameters, badRequestDetail) and the headers that go with it,
 * the bearer token verdicts, each digest check on its own (a header right in
 * every other way), Accept negotiation at its edges, the OAuth endpoints'
 * refusals, HEAD, and the request log lines.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, call, digestAuthorization, jobPath, manualClock, parseChallenge, type Answer } from "./helpers.js"

const { jobs, groupId } = EmulatorSeed
const job = jobPath(jobs.completed)
const form = { "content-type": "application/x-www-form-urlencoded" }

const error = (status: number, reason: string, errorCode: string, detail: string, parameters: Array<unknown> = []) => ({
  detail,
  error: status,
  errorCode,
  parameters,
  reason,
})

describe("emulator answers: error bodies", () => {
  let emulator: RunningEmulator
  const lines: Array<string> = []
  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false, now: () => 1_000_000, log: (line) => lines.push(line) })
  })
  afterAll(() => emulator.stop())
  const bearer = () => ({ accept, authorization: `Bearer ${emulator.credentials.accessToken}` })

  const cases: ReadonlyArray<
    readonly [string, string, RequestInit | undefined, ReturnType<typeof error>, Record<string, string>?]
  > = [
    [
      "an unknown route",
      "/api/atlas/v2/nope?x=1",
      undefined,
      error(404, "Not Found", "RESOURCE_NOT_FOUND", "Cannot find resource /api/atlas/v2/nope.", ["/api/atlas/v2/nope"]),
    ],
    [
      "a path outside the API",
      "/other",
      undefined,
      error(404, "Not Found", "RESOURCE_NOT_FOUND", "Cannot find resource /other.", ["/other"]),
    ],
    [
      "POST",
      job,
      { method: "POST" },
      error(405, "Method Not Allowed", "METHOD_NOT_ALLOWED", `Method POST is not allowed on ${job}.`, ["POST"]),
      { allow: "GET, HEAD" },
    ],
    [
      "Accept: application/json",
      job,
      { headers: { accept: "application/json" } },
      error(406, "Not Acceptable", "INVALID_VERSION_DATE", "Invalid accept header or version date.", [
        "application/json",
      ]),
    ],
    [
      "no Accept",
      job,
      { headers: { accept: "" } },
      error(406, "Not Acceptable", "INVALID_VERSION_DATE", "Invalid accept header or version date.", [""]),
    ],
    [
      "a forbidden project",
      jobPath(jobs.completed, EmulatorSeed.forbiddenGroupId),
      undefined,
      error(
        403,
        "Forbidden",
        "IP_ADDRESS_NOT_ON_ACCESS_LIST",
        "IP address 127.0.0.1 is not allowed to access this resource.",
        ["127.0.0.1"],
      ),
    ],
    [
      "an unknown project",
      jobPath(jobs.completed, "6650f1a2b3c4d5e6f7a8b900"),
      undefined,
      error(404, "Not Found", "GROUP_NOT_FOUND", "No group with ID 6650f1a2b3c4d5e6f7a8b900 exists.", [
        "6650f1a2b3c4d5e6f7a8b900",
      ]),
    ],
    [
      "a dedicated cluster",
      jobPath(jobs.completed, groupId, EmulatorSeed.dedicatedClusterName),
      undefined,
      error(
        400,
        "Bad Request",
        "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API",
        "Cluster dedicated-demo is not a flex cluster. Use the dedicated cluster API for it.",
        ["dedicated-demo"],
      ),
    ],
    [
      "an unknown cluster",
      jobPath(jobs.completed, groupId, "nope"),
      undefined,
      error(404, "Not Found", "CLUSTER_NOT_FOUND", `No cluster named nope exists in group ${groupId}.`, [
        "nope",
        groupId,
      ]),
    ],
    [
      "an unknown job",
      jobPath("66a0000000000000000000ee"),
      undefined,
      error(404, "Not Found", "RESOURCE_NOT_FOUND", "Cannot find resource restore job 66a0000000000000000000ee.", [
        "66a0000000000000000000ee",
      ]),
    ],
  ]

  for (const [title, path, init, body, headers = {}] of cases)
    it(title, async () => {
      const answer = await call(emulator, path, { ...init, headers: { ...bearer(), ...init?.headers } })
      expect(answer.status).toBe(body.error)
      expect(JSON.parse(answer.text)).toStrictEqual(body)
      expect(answer.headers).toMatchObject({
        ...headers,
        "content-type": "application/json",
        "x-error-code": body.errorCode,
      })
    })

  it("lists every malformed value, in path order, then the bad flags", async () => {
    const answer = await call(emulator, jobPath("x", "y", "-z") + "?envelope=maybe&pretty=no", { headers: bearer() })
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.text)).toStrictEqual({
      badRequestDetail: {
        fields: [
          { field: "groupId", description: 'must match "^([a-f0-9]{24})$"' },
          { field: "name", description: 'must match "^[a-zA-Z0-9][a-zA-Z0-9-]*$"' },
          { field: "restoreJobId", description: 'must match "^([a-f0-9]{24})$"' },
          { field: "envelope", description: "must be a boolean" },
          { field: "pretty", description: "must be a boolean" },
        ],
      },
      ...error(
        400,
        "Bad Request",
        "VALIDATION_ERROR",
        'Invalid request: groupId must match "^([a-f0-9]{24})$"; name must match "^[a-zA-Z0-9][a-zA-Z0-9-]*$"; ' +
          'restoreJobId must match "^([a-f0-9]{24})$"; envelope must be a boolean; pretty must be a boolean.',
        ["y", "-z", "x", "maybe", "no"],
      ),
    })
    const bad = await call(emulator, jobPath(jobs.completed, groupId, "%E0%A4%A") + "?pretty=TRUE&envelope=False", {
      headers: bearer(),
    })
    expect(JSON.parse(bad.text)).toMatchObject({
      badRequestDetail: { fields: [{ field: "name", description: "is not valid percent-encoding" }] },
      parameters: ["%E0%A4%A"],
    })
  })

  it("answers HEAD with the GET's length and no body", async () => {
    const get = await call(emulator, job, { headers: bearer() })
    const head = await call(emulator, job, { method: "HEAD", headers: bearer() })
    expect([head.status, head.text]).toStrictEqual([200, ""])
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(get.text)))
  })

  it("logs method, path without query, status and time, one line per request", async () => {
    lines.length = 0
    await call(emulator, "/api/atlas/v2/nope?secret=1", { headers: bearer() })
    emulator.setFaults([{ match: { path: "/reset-me" }, reset: true }])
    await call(emulator, "/reset-me").catch(() => undefined)
    emulator.clearFaults()
    await expect.poll(() => lines.length).toBe(2)
    expect(lines).toStrictEqual(["GET /api/atlas/v2/nope 404 0ms", "GET /reset-me reset 0ms"])
  })
})

describe("emulator answers: rate limits", () => {
  it("gives the limit, the remaining requests, and a 429 saying when to retry", async () => {
    const emulator = await startEmulator({ rateLimit: { capacity: 1, refillPerSecond: 1 }, now: () => 1_000_000 })
    try {
      const headers = { accept, authorization: `Bearer ${emulator.credentials.accessToken}` }
      const first = await call(emulator, job, { headers })
      expect(first.headers).toMatchObject({ "ratelimit-limit": "1", "ratelimit-remaining": "0" })
      const limited = await call(emulator, job, { headers })
      expect(limited.status).toBe(429)
      expect(limited.headers).toMatchObject({ "retry-after": "1", "ratelimit-limit": "1", "ratelimit-remaining": "0" })
      expect(JSON.parse(limited.text)).toStrictEqual(
        error(
          429,
          "Too Many Requests",
          "RATE_LIMITED",
          "Rate limit exceeded for the restore-job endpoint. Please retry after 1 seconds. Request capacity: 1. Refill rate: 1 per 1 seconds.",
          [1],
        ),
      )
    } finally {
      await emulator.stop()
    }
  })

  it("limits the token endpoint on its own when asked", async () => {
    const emulator = await startEmulator({ tokenRateLimit: { capacity: 1, refillPerSecond: 0.5 }, now: () => 5_000 })
    try {
      const { clientId, clientSecret } = emulator.credentials
      const body = `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`
      expect((await call(emulator, "/api/oauth/token", { method: "POST", headers: form, body })).status).toBe(200)
      const limited = await call(emulator, "/api/oauth/token", { method: "POST", headers: form, body })
      expect([limited.status, limited.headers["retry-after"]]).toStrictEqual([429, "2"])
      expect(JSON.parse(limited.text)).toStrictEqual(
        error(429, "Too Many Requests", "RATE_LIMITED", "Too many token requests. Please retry after 2 seconds.", [2]),
      )
      expect(emulator.stats().tokenRequests).toBe(2)
    } finally {
      await emulator.stop()
    }
  })
})

describe("emulator answers: credentials", () => {
  const clock = manualClock()
  let emulator: RunningEmulator
  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false, now: clock.now, tokenTtlSeconds: 60, nonceTtlMillis: 1_000 })
  })
  afterAll(() => emulator.stop())

  const token = async () => {
    const { clientId, clientSecret } = emulator.credentials
    const answer = await call(emulator, "/api/oauth/token", {
      method: "POST",
      headers: { ...form, authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}` },
      body: "grant_type=client_credentials",
    })
    expect(answer.status).toBe(200)
    expect(answer.headers).toMatchObject({ "cache-control": "no-store", pragma: "no-cache" })
    const body = JSON.parse(answer.text)
    expect(body).toMatchObject({ expires_in: 60, token_type: "Bearer" })
    return body.access_token as string
  }
  const withAuth = (authorization: string) => call(emulator, job, { headers: { accept, authorization } })
  const refusedBearer = (detail: string) => ({
    status: 401,
    challenge: 'Bearer realm="MMS Public API", error="invalid_token"',
    text:
      `{\n  "detail" : "${detail}",\n  "error" : 401,\n  "errorCode" : "USER_UNAUTHORIZED",\n` +
      `  "parameters" : [ ],\n  "reason" : "Unauthorized"\n}`,
  })
  const verdict = (answer: Answer) => ({
    status: answer.status,
    challenge: answer.headers["www-authenticate"],
    text: answer.text,
  })

  it("tells an invalid, an expired and a revoked token apart, in a pretty 401", async () => {
    expect(verdict(await withAuth("Bearer nope"))).toStrictEqual(refusedBearer("The access token is not valid."))
    expect(verdict(await withAuth("Bearer"))).toStrictEqual(refusedBearer("The access token is not valid."))
    const expiring = await token()
    expect((await withAuth(`bearer   ${expiring}  `)).status).toBe(200)
    clock.advance(59_999)
    expect((await withAuth(`Bearer ${expiring}`)).status).toBe(200)
    clock.advance(1)
    expect(verdict(await withAuth(`Bearer ${expiring}`))).toStrictEqual(refusedBearer("The access token has expired."))
    const revoked = await token()
    const { clientId, clientSecret } = emulator.credentials
    const revoke = await call(emulator, "/api/oauth/revoke", {
      method: "POST",
      headers: form,
      body: `token=${revoked}&client_id=${clientId}&client_secret=${clientSecret}`,
    })
    expect([revoke.status, revoke.text, revoke.headers["cache-control"]]).toStrictEqual([200, "", "no-store"])
    expect(verdict(await withAuth(`Bearer ${revoked}`))).toStrictEqual(
      refusedBearer("The access token has been revoked."),
    )
  })

  it("answers anything but Bearer and Digest with a fresh digest challenge", async () => {
    for (const authorization of ["", "   ", "Digest", "Basic Zm9vOmJhcg==", "Negotiate x"]) {
      const before = emulator.stats().digestChallenges
      const answer = await withAuth(authorization)
      expect(answer.status).toBe(401)
      expect(parseChallenge(answer.headers["www-authenticate"] ?? null)).toMatchObject({
        realm: "MMS Public API",
        stale: "false",
        qop: "auth",
        algorithm: "MD5",
      })
      expect(JSON.parse(answer.text)).toMatchObject({ detail: "You are not authorized for this resource." })
      expect(emulator.stats().digestChallenges - before).toBe(1)
    }
  })

  const nonce = async () => parseChallenge((await withAuth("")).headers["www-authenticate"] ?? null).nonce!
  const sign = (n: string, nc: number | string, overrides: Partial<Parameters<typeof digestAuthorization>[0]> = {}) =>
    digestAuthorization({
      username: emulator.credentials.publicKey,
      password: emulator.credentials.privateKey,
      method: "GET",
      uri: job,
      nonce: n,
      nc,
      ...overrides,
    })
  const stale = async (authorization: string) => {
    const answer = await withAuth(authorization)
    return answer.status === 200 ? "accepted" : parseChallenge(answer.headers["www-authenticate"] ?? null).stale
  }

  it("refuses each wrong part of a digest header on its own, the response computed right", async () => {
    const n = await nonce()
    expect(await stale(sign(n, 1))).toBe("accepted")
    expect(await stale(sign(n, 2).replace("algorithm=MD5, ", ""))).toBe("accepted")
    expect(await stale(sign(n, 3).replace("algorithm=MD5", "algorithm=md5"))).toBe("accepted")
    expect(await stale(sign(n, 4).replace('realm="MMS Public API"', 'realm="other"'))).toBe("false")
    expect(await stale(sign(n, 5).replace("algorithm=MD5", "algorithm=SHA-256"))).toBe("false")
    expect(await stale(sign(n, 6).replace("qop=auth", "qop=auth-int"))).toBe("false")
    expect(await stale(sign(n, 7).replace(`uri="${job}"`, 'uri="/other"'))).toBe("false")
    expect(await stale(sign(n, "7"))).toBe("false")
    expect(await stale(sign(n, "0000000g"))).toBe("false")
    expect(await stale(sign(n, "000000008"))).toBe("false")
    expect(await stale(sign(n, 8, { username: "someone-else" }))).toBe("false")
    expect(await stale(sign(n, 9).replace(/, cnonce="[^"]*"/, ""))).toBe("false")
    expect(await stale(sign(n, 10))).toBe("accepted")
  })

  it("calls a nonce stale when it is unknown, expired, reused, or counted from zero", async () => {
    expect(await stale(sign("bm90IGlzc3VlZA==", 1))).toBe("true")
    const n = await nonce()
    expect(await stale(sign(n, 0))).toBe("true")
    expect(await stale(sign(n, 1))).toBe("accepted")
    expect(await stale(sign(n, 1))).toBe("true")
    clock.advance(1_000)
    expect(await stale(sign(n, 2))).toBe("accepted")
    clock.advance(1)
    expect(await stale(sign(n, 3))).toBe("true")
  })
})

describe("emulator answers: Accept", () => {
  let emulator: RunningEmulator
  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false })
  })
  afterAll(() => emulator.stop())

  it.each([
    ["application/vnd.atlas.2024-11-13+json", 200],
    ["APPLICATION/VND.ATLAS.2024-11-13+JSON", 200],
    ["application/vnd.atlas.2025-06-01+json", 200],
    ["application/vnd.atlas.2024-11-12+json", 406],
    ["application/json, application/vnd.atlas.2024-11-13+json;q=0.5", 200],
    ["application/vnd.atlas.2024-11-13+json;q=0", 406],
    ["application/vnd.atlas.2024-11-13+json; charset=utf-8; xq=0", 200],
    ["x-application/vnd.atlas.2024-11-13+json", 406],
    ["application/vnd.atlas.2024-11-13+json-seq", 406],
  ])("%s: %i", async (value, status) => {
    const answer = await call(emulator, job, {
      headers: { accept: value, authorization: `Bearer ${emulator.credentials.accessToken}` },
    })
    expect(answer.status).toBe(status)
  })
})

describe("emulator answers: the OAuth endpoints' refusals", () => {
  let emulator: RunningEmulator
  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false })
  })
  afterAll(() => emulator.stop())

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    call(emulator, path, { method: "POST", headers: { ...form, ...headers }, body })
  const basic = (text: string) => ({ authorization: `Basic ${Buffer.from(text).toString("base64")}` })

  it("wants POST", async () => {
    for (const path of ["/api/oauth/token", "/api/oauth/revoke"]) {
      const answer = await call(emulator, path)
      expect([answer.status, answer.headers["allow"]]).toStrictEqual([405, "POST"])
      expect(JSON.parse(answer.text)).toStrictEqual(
        error(405, "Method Not Allowed", "METHOD_NOT_ALLOWED", `Use POST on ${path}.`),
      )
    }
  })

  it("refuses a form over 64 KiB, and takes one of exactly 64 KiB", async () => {
    const { clientId, clientSecret } = emulator.credentials
    const head = `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}&pad=`
    const exact = await post("/api/oauth/token", head + "x".repeat(64 * 1024 - head.length))
    expect(exact.status).toBe(200)
    const over = await post("/api/oauth/token", head + "x".repeat(64 * 1024 - head.length + 1))
    expect(over.status).toBe(413)
    expect(JSON.parse(over.text)).toStrictEqual(
      error(413, "Payload Too Large", "REQUEST_TOO_LARGE", "The form body is too large."),
    )
  })

  it("asks for credentials, and refuses wrong ones, in a pretty 401 with a Basic challenge", async () => {
    const { clientId, clientSecret } = emulator.credentials
    const cases: ReadonlyArray<readonly [string, Record<string, string>, string]> = [
      ["", {}, "Service account credentials are required (HTTP Basic)."],
      [`client_id=${clientId}`, {}, "Service account credentials are required (HTTP Basic)."],
      ["", basic(`${clientId}${clientSecret}`), "Service account credentials are required (HTTP Basic)."],
      ["", basic(`${clientId}:wrong`), "Invalid service account client id or secret."],
      ["", basic(`wrong:${clientSecret}`), "Invalid service account client id or secret."],
    ]
    for (const [body, headers, detail] of cases) {
      const answer = await post("/api/oauth/token", `grant_type=client_credentials&${body}`, headers)
      expect(answer.status).toBe(401)
      expect(answer.headers).toMatchObject({
        "www-authenticate": 'Basic realm="MMS Public API"',
        "cache-control": "no-store",
        "x-error-code": "INVALID_SERVICE_ACCOUNT_CREDENTIALS",
      })
      expect(answer.text).toBe(
        `{\n  "detail" : "${detail}",\n  "error" : 401,\n  "errorCode" : "INVALID_SERVICE_ACCOUNT_CREDENTIALS",\n` +
          `  "parameters" : [ ],\n  "reason" : "Unauthorized"\n}`,
      )
    }
    // Percent-encoded in the Basic header (RFC 6749 2.3.1), or not.
    const encoded = await post(
      "/api/oauth/token",
      "grant_type=client_credentials",
      basic(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`),
    )
    expect(encoded.status).toBe(200)
  })

  it("wants grant_type=client_credentials and a token to revoke", async () => {
    const { clientId, clientSecret } = emulator.credentials
    const creds = basic(`${clientId}:${clientSecret}`)
    for (const [grant, parameter] of [
      ["grant_type=password", "password"],
      ["", ""],
    ] as const) {
      const answer = await post("/api/oauth/token", grant, creds)
      expect(JSON.parse(answer.text)).toStrictEqual(
        error(400, "Bad Request", "UNSUPPORTED_GRANT_TYPE", "grant_type must be client_credentials.", [parameter]),
      )
    }
    for (const body of ["", "token="]) {
      const answer = await post("/api/oauth/revoke", body, creds)
      expect(JSON.parse(answer.text)).toStrictEqual(
        error(400, "Bad Request", "INVALID_PARAMETER", "token is required.", ["token"]),
      )
    }
    const before = emulator.stats().revocations
    expect((await post("/api/oauth/revoke", "token=never-issued", creds)).status).toBe(200)
    expect(emulator.stats().revocations - before).toBe(1)
  })
})
