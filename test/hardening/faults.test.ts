/**
 * Issue 6, faults: one table of failures injected by the emulator, each run
 * through the live service with its expected outcome (success or the typed
 * error's `_tag`) and the exact number of requests it sends. Every case also
 * checks that no request is left hanging on the server, that no socket or
 * timer outlives it, and that no promise rejection went unhandled.
 *
 * Nothing here is timed (issue 11): a case's bound is its request count, and
 * a hang fails by the test's timeout. The waits themselves (backoff,
 * Retry-After and its cap, the per-attempt timeout) are checked on the
 * TestClock in test/atlas/layer.test.ts. Delays, caps and the per-attempt
 * timeout are set small (`fastClient`) so the whole table runs in seconds.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import type { FlexRestoreJob } from "../../src/atlas/FlexRestoreJob.js"
import type { WaitOptions } from "../../src/atlas/FlexRestoreJobs.js"
import { ServerError } from "../../src/atlas/AtlasError.js"
import { createFlexRestoreClient, getFlexRestoreJob } from "../../src/index.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { EmulatorOptions, EmulatorStats, FaultRule, RunningEmulator } from "../../src/emulator/index.js"
import {
  digestChallenge,
  errorOf,
  eventually,
  fastClient,
  refOf,
  rejectionWatch,
  resourceSnapshot,
  runService,
  startScriptServer,
  tagOf,
} from "./support.js"
import type { ScriptAnswer, ScriptRequest } from "./support.js"
import type { Mode } from "./support.js"

const JOBS = "/restoreJobs/"
const TOKEN = "/api/oauth/token"
/** A Retry-After no caller should ever sit through: a day. */
const HUGE = "86400"

interface Ctx {
  readonly emulator: RunningEmulator
  /** Moves the emulator's clock forward (nonce and token lifetimes, rate-limit refill). */
  readonly advance: (millis: number) => void
}

interface Result {
  readonly stats: EmulatorStats
  readonly value: unknown
  readonly error: unknown
}

interface FaultCase {
  readonly name: string
  readonly mode?: Mode
  readonly faults?: ReadonlyArray<FaultRule>
  readonly emulator?: EmulatorOptions
  readonly client?: AtlasClientOptions | ((ctx: Ctx) => AtlasClientOptions)
  readonly job?: keyof typeof EmulatorSeed.jobs
  /** Sequential calls on one layer (default 1); `between` runs before each call after the first. */
  readonly calls?: number
  readonly between?: (ctx: Ctx, call: number) => void
  /** Call `wait` with these options instead of `get`. */
  readonly wait?: WaitOptions
  /** Calls issued at once on one layer instead. */
  readonly concurrent?: number
  /** Point the client at a port where nothing listens. */
  readonly deadPort?: true
  readonly expect: "success" | string
  /**
   * The requests the case sends, all endpoints together (the emulator's
   * `stats().requests`): exactly this many, or at most `atMost` where
   * concurrency makes the count vary. This is the case's bound: a loop shows
   * up as a larger count, a hang as the test's timeout.
   */
  readonly requests: number | { readonly atMost: number }
  readonly check?: (result: Result) => void
}

const apiStatus = (s: EmulatorStats, status: number) => s.byStatus[String(status)] ?? 0

const recovers = (status: number): FaultCase => ({
  name: `${status} twice, then the job: retried to success`,
  faults: [{ match: { path: JOBS, times: 2 }, status }],
  expect: "success",
  requests: 3,
  check: ({ stats }) => expect(apiStatus(stats, status)).toBe(2),
})

const persists = (status: number): FaultCase => ({
  name: `${status} on every attempt: ServerError after maxAttempts`,
  faults: [{ match: { path: JOBS }, status }],
  expect: "ServerError",
  requests: 3,
  check: ({ stats, error }) => {
    expect(apiStatus(stats, status)).toBe(3)
    expect(error).toMatchObject({ status })
  },
})

const cases: ReadonlyArray<FaultCase> = [
  // ---- 429 ----
  {
    name: "429 without Retry-After twice, then the job: backoff to success",
    faults: [{ match: { path: JOBS, times: 2 }, status: 429 }],
    expect: "success",
    requests: 3,
    check: ({ stats }) => expect(apiStatus(stats, 429)).toBe(2),
  },
  {
    name: "429 with Retry-After: 1 once: waits (up to the 150 ms cap), then succeeds",
    faults: [{ match: { path: JOBS, times: 1 }, status: 429, headers: { "Retry-After": "1" } }],
    expect: "success",
    requests: 2,
  },
  {
    name: "429 with a huge Retry-After on every attempt: capped waits, RateLimited carrying it",
    faults: [{ match: { path: JOBS }, status: 429, headers: { "Retry-After": HUGE } }],
    expect: "RateLimited",
    requests: 3,
    check: ({ error, stats }) => {
      expect(error).toMatchObject({ status: 429, retryAfterSeconds: Number(HUGE) })
      expect(apiStatus(stats, 429)).toBe(3)
    },
  },
  {
    name: "429 with a Retry-After HTTP date a year ahead: capped too",
    faults: [
      {
        match: { path: JOBS },
        status: 429,
        headers: { "Retry-After": new Date(Date.now() + 365 * 86_400_000).toUTCString() },
      },
    ],
    expect: "RateLimited",
    requests: 3,
  },
  {
    name: "429 without Retry-After on every attempt: RateLimited without retryAfterSeconds",
    faults: [{ match: { path: JOBS }, status: 429 }],
    expect: "RateLimited",
    requests: 3,
    check: ({ error }) => expect(error).not.toHaveProperty("retryAfterSeconds"),
  },
  {
    name: "the emulator's own rate limit (bucket of 2) under 6 calls: every call still succeeds",
    emulator: { rateLimit: { capacity: 2, refillPerSecond: 1000 } },
    client: { retry: { maxAttempts: 6 } },
    calls: 6,
    between: ({ advance }) => advance(0),
    expect: "success",
    requests: { atMost: 6 * 6 },
  },
  // ---- 5xx ----
  ...[500, 502, 503, 504].map(recovers),
  ...[500, 502, 503, 504].map(persists),
  {
    name: "503 with a huge Retry-After on every attempt: capped, ServerError",
    faults: [{ match: { path: JOBS }, status: 503, headers: { "Retry-After": HUGE } }],
    expect: "ServerError",
    requests: 3,
  },
  // ---- the connection ----
  {
    name: "connection reset once: retried to success",
    faults: [{ match: { path: JOBS, times: 1 }, reset: true }],
    expect: "success",
    requests: 2,
  },
  {
    name: "connection reset on every attempt: TransportError",
    faults: [{ match: { path: JOBS }, reset: true }],
    expect: "TransportError",
    requests: 3,
  },
  {
    name: "connection refused (nothing listens): TransportError",
    deadPort: true,
    expect: "TransportError",
    requests: 0,
  },
  {
    name: "accepted and never answered, once: the attempt times out, the retry succeeds",
    client: { timeout: 250 },
    faults: [{ match: { path: JOBS, times: 1 }, hang: true }],
    expect: "success",
    requests: 2,
  },
  {
    name: "accepted and never answered, every time: Timeout after maxAttempts × the per-attempt timeout",
    client: { timeout: 250 },
    faults: [{ match: { path: JOBS }, hang: true }],
    expect: "Timeout",
    requests: 3,
    check: ({ error, stats }) => {
      expect(error).toMatchObject({ afterMillis: 250 })
      expect(stats.apiRequests).toBe(3)
    },
  },
  {
    name: "answers slower than the per-attempt timeout: Timeout",
    client: { timeout: 250 },
    faults: [{ match: { path: JOBS }, delayMillis: 2000 }],
    expect: "Timeout",
    requests: 3,
  },
  {
    name: "digest: the challenge never comes (hang before the 401): Timeout",
    mode: "digest",
    client: { timeout: 250 },
    faults: [{ match: { path: JOBS }, hang: true }],
    expect: "Timeout",
    requests: 3,
  },
  // ---- the body ----
  {
    name: "truncated body (Content-Length longer than sent) once: retried to success",
    faults: [{ match: { path: JOBS, times: 1 }, truncate: true }],
    expect: "success",
    requests: 2,
  },
  {
    name: "truncated body every time: TransportError",
    faults: [{ match: { path: JOBS }, truncate: true }],
    expect: "TransportError",
    requests: 3,
  },
  {
    name: "HTML 502 page from a proxy: ServerError (retried, then reported)",
    faults: [{ match: { path: JOBS }, html: true }],
    expect: "ServerError",
    requests: 3,
    check: ({ error }) => expect(error).toMatchObject({ status: 502 }),
  },
  {
    name: "HTML page with status 200 (a captive portal): ResponseDecodeError, not retried",
    faults: [{ match: { path: JOBS }, html: true, status: 200 }],
    expect: "ResponseDecodeError",
    requests: 1,
    check: ({ stats }) => expect(apiStatus(stats, 200)).toBe(1),
  },
  {
    name: "HTML 404 page: NotFound, not retried",
    faults: [{ match: { path: JOBS }, html: true, status: 404 }],
    expect: "NotFound",
    requests: 1,
    check: ({ stats }) => expect(apiStatus(stats, 404)).toBe(1),
  },
  {
    name: "wrong content type (text/html) on a valid job: the body decides, success",
    faults: [{ match: { path: JOBS }, contentType: "text/html" }],
    expect: "success",
    requests: 1,
    check: ({ value }) => expect(value).toMatchObject({ id: EmulatorSeed.jobs.completed, status: "COMPLETED" }),
  },
  {
    name: "wrong content type (text/plain) with a non-JSON body: ResponseDecodeError",
    faults: [{ match: { path: JOBS }, status: 200, body: "OK", contentType: "text/plain" }],
    expect: "ResponseDecodeError",
    requests: 1,
  },
  ...(
    [
      ["an array", "[1,2,3]"],
      ["null", "null"],
      ["a string", '"COMPLETED"'],
      ["a number", "42"],
      ["an empty body", ""],
    ] as const
  ).map(([what, body]): FaultCase => ({
    name: `200 with ${what}: ResponseDecodeError, not retried`,
    faults: [{ match: { path: JOBS }, status: 200, body }],
    expect: "ResponseDecodeError",
    requests: 1,
    check: ({ stats }) => expect(apiStatus(stats, 200)).toBe(1),
  })),
  {
    name: "200 with an object of the wrong shape (status is a number): ResponseDecodeError",
    faults: [{ match: { path: JOBS }, status: 200, body: { id: "x", status: 5 } }],
    expect: "ResponseDecodeError",
    requests: 1,
  },
  {
    name: "body of 8 MiB over the default 1 MiB cap: ResponseDecodeError, read no further",
    faults: [{ match: { path: JOBS }, bodyBytes: 8 * 1024 * 1024 }],
    expect: "ResponseDecodeError",
    requests: 1,
    check: ({ error }) => expect(String((error as Error).message)).toMatch(/larger than 1048576 bytes/),
  },
  {
    name: "body one byte over a 64 KiB cap: ResponseDecodeError",
    client: { maxResponseBytes: 65_536 },
    faults: [{ match: { path: JOBS }, bodyBytes: 65_537 }],
    expect: "ResponseDecodeError",
    requests: 1,
  },
  {
    name: "body of exactly the 64 KiB cap (an object with unknown fields): success",
    client: { maxResponseBytes: 65_536 },
    faults: [{ match: { path: JOBS }, bodyBytes: 65_536 }],
    expect: "success",
    requests: 1,
  },
  {
    name: "500 with a body over the cap: the cap wins (ResponseDecodeError)",
    client: { maxResponseBytes: 4096 },
    faults: [{ match: { path: JOBS }, status: 500, bodyBytes: 1024 * 1024 }],
    expect: "ResponseDecodeError",
    requests: 1,
  },
  // ---- API errors that must not be retried ----
  {
    name: "404 for an unknown job: NotFound at once",
    client: {},
    job: "completed",
    faults: [{ match: { path: JOBS }, status: 404 }],
    expect: "NotFound",
    requests: 1,
    check: ({ stats }) => expect(stats.apiRequests).toBe(1),
  },
  {
    name: "wrong API key: Unauthorized, no challenge loop",
    mode: "digest",
    client: (ctx) => ({ auth: { publicKey: ctx.emulator.credentials.publicKey, privateKey: "not-the-key" } }),
    expect: "Unauthorized",
    requests: 2,
    check: ({ stats }) => expect(stats.apiRequests).toBe(2),
  },
  {
    name: "revoked or wrong bearer token: Unauthorized at once",
    client: { auth: { accessToken: "no-such-token" } },
    expect: "Unauthorized",
    requests: 1,
    check: ({ stats }) => expect(stats.apiRequests).toBe(1),
  },
  // ---- the token endpoint (service accounts) ----
  {
    name: "token endpoint 500 once: retried to success",
    mode: "service",
    faults: [{ match: { path: TOKEN, times: 1 }, status: 500 }],
    expect: "success",
    requests: 4,
    check: ({ stats }) => expect(stats.tokensIssued).toBe(1),
  },
  {
    name: "token endpoint 500 every time: AuthError carrying the status",
    mode: "service",
    faults: [{ match: { path: TOKEN }, status: 500 }],
    expect: "AuthError",
    requests: 3,
    check: ({ error, stats }) => {
      expect(error).toMatchObject({ status: 500 })
      expect(stats.apiRequests).toBe(0)
    },
  },
  {
    name: "token endpoint 429 with a huge Retry-After every time: capped, AuthError 429",
    mode: "service",
    faults: [{ match: { path: TOKEN }, status: 429, headers: { "Retry-After": HUGE } }],
    expect: "AuthError",
    requests: 3,
    check: ({ error }) => expect(error).toMatchObject({ status: 429 }),
  },
  {
    name: "token endpoint rate limit (bucket of 1): one token serves 5 calls",
    mode: "service",
    emulator: { tokenRateLimit: { capacity: 1, refillPerSecond: 0.001 } },
    calls: 5,
    expect: "success",
    requests: 7,
    check: ({ stats }) => {
      expect(stats.tokenRequests).toBe(1)
      expect(stats.apiRequests).toBe(5)
    },
  },
  {
    name: "token endpoint rate limit under 20 concurrent first calls: still one token",
    mode: "service",
    emulator: { tokenRateLimit: { capacity: 1, refillPerSecond: 0.001 } },
    concurrent: 20,
    expect: "success",
    requests: 22,
    check: ({ stats }) => expect(stats.tokenRequests).toBe(1),
  },
  {
    name: "wrong client secret: AuthError 401, not retried",
    mode: "service",
    client: (ctx) => ({ auth: { clientId: ctx.emulator.credentials.clientId, clientSecret: "wrong" } }),
    expect: "AuthError",
    requests: 1,
    check: ({ error, stats }) => {
      expect(error).toMatchObject({ status: 401 })
      expect(stats.tokenRequests).toBe(1)
    },
  },
  {
    name: "token endpoint answers 401 every time: AuthError 401 at the token endpoint, not retried",
    mode: "service",
    faults: [{ match: { path: TOKEN }, status: 401 }],
    expect: "AuthError",
    requests: 1,
    check: ({ error, stats }) => {
      expect(error).toMatchObject({ status: 401, reason: expect.stringMatching(/token request/) })
      expect(stats.apiRequests).toBe(0)
    },
  },
  {
    name: "token endpoint answers 200 with HTML: AuthError",
    mode: "service",
    faults: [{ match: { path: TOKEN }, html: true, status: 200 }],
    expect: "AuthError",
    requests: 1,
  },
  {
    name: "token endpoint never answers: Timeout",
    mode: "service",
    client: { timeout: 250 },
    faults: [{ match: { path: TOKEN }, hang: true }],
    expect: "Timeout",
    requests: 3,
  },
  {
    name: "token expires mid-run (lifetime 1 s, clock moved 2 s): renewed, success",
    mode: "service",
    emulator: { tokenTtlSeconds: 1 },
    calls: 2,
    between: ({ advance }) => advance(2000),
    expect: "success",
    requests: 6,
    check: ({ stats }) => expect(stats.tokensIssued).toBe(2),
  },
  // ---- wait ----
  {
    name: "wait through 503s and a reset while the job progresses: COMPLETED",
    job: "progressing",
    emulator: { progressStepMillis: 60 },
    // Three failures in a row: one poll needs four attempts.
    client: { retry: { maxAttempts: 4 } },
    faults: [
      { match: { path: JOBS, times: 2 }, status: 503 },
      { match: { path: JOBS, times: 1 }, reset: true },
    ],
    wait: { interval: 20, timeout: 3000 },
    expect: "success",
    requests: { atMost: 3000 / 20 + 4 },
    check: ({ value }) => expect(value).toMatchObject({ status: "COMPLETED" }),
  },
  {
    name: "wait on a job stuck RUNNING: WaitTimeout at the overall limit, with the last status",
    job: "stuck",
    wait: { interval: 20, timeout: 300 },
    expect: "WaitTimeout",
    requests: { atMost: 300 / 20 + 1 },
    check: ({ error }) => expect(error).toMatchObject({ afterMillis: 300, lastStatus: "RUNNING" }),
  },
  {
    name: "wait while the server hangs: the overall limit still holds (WaitTimeout)",
    job: "stuck",
    client: { timeout: 5000 },
    faults: [{ match: { path: JOBS }, hang: true }],
    wait: { interval: 20, timeout: 300 },
    expect: "WaitTimeout",
    requests: 1,
  },
  // ---- digest ----
  {
    name: "digest nonce goes stale mid-run (TTL 1 s, clock moved 2 s): re-challenged, success",
    mode: "digest",
    emulator: { nonceTtlMillis: 1000 },
    calls: 3,
    between: ({ advance }, call) => call === 2 && advance(2000),
    expect: "success",
    requests: 5,
    check: ({ stats }) => {
      // The first challenge, then exactly one stale answer.
      expect(stats.digestChallenges).toBe(2)
      expect(apiStatus(stats, 200)).toBe(3)
    },
  },
  {
    name: "digest nonce goes stale under 20 concurrent calls: all succeed",
    mode: "digest",
    emulator: { nonceTtlMillis: 1000 },
    calls: 2,
    concurrent: 20,
    between: ({ advance }) => advance(2000),
    expect: "success",
    requests: { atMost: 20 * 3 + 20 * 2 },
  },
  {
    name: "digest challenge without a nonce: Unauthorized 401 naming the challenge, not retried",
    mode: "digest",
    faults: [
      {
        match: { path: JOBS },
        status: 401,
        headers: { "WWW-Authenticate": 'Digest realm="MMS Public API", qop="auth"' },
      },
    ],
    expect: "Unauthorized",
    // The unauthenticated request only: there is nothing to answer.
    requests: 1,
    check: ({ error }) =>
      expect(error).toMatchObject({ status: 401, challenge: expect.stringMatching(/has no nonce/) }),
  },
  {
    name: "digest: 401 with no WWW-Authenticate at all: Unauthorized 401, not retried",
    mode: "digest",
    faults: [{ match: { path: JOBS }, status: 401 }],
    expect: "Unauthorized",
    requests: 1,
    check: ({ error }) =>
      expect(error).toMatchObject({ status: 401, challenge: expect.stringMatching(/no WWW-Authenticate/) }),
  },
  {
    name: "digest: 401 with only a Basic challenge (a proxy): Unauthorized 401 saying so, not retried",
    mode: "digest",
    faults: [{ match: { path: JOBS }, status: 401, headers: { "WWW-Authenticate": 'Basic realm="corp-proxy"' } }],
    expect: "Unauthorized",
    requests: 1,
    check: ({ error }) =>
      expect(error).toMatchObject({
        status: 401,
        challenge: expect.stringMatching(/no Digest challenge \(it offers Basic\): not the challenge Atlas sends/),
      }),
  },
  {
    name: "digest challenge for an unknown algorithm: Unauthorized 401 naming it, not retried",
    mode: "digest",
    faults: [
      {
        match: { path: JOBS },
        status: 401,
        headers: { "WWW-Authenticate": 'Digest realm="x", nonce="abc", algorithm=SHA-1024, qop="auth"' },
      },
    ],
    expect: "Unauthorized",
    requests: 1,
    check: ({ error }) =>
      expect(error).toMatchObject({
        status: 401,
        challenge: expect.stringMatching(/unsupported algorithm \(SHA-1024\)/),
      }),
  },
  {
    name: "digest: a proxy's Basic 401 to the answered challenge: Unauthorized 401 saying so, 2 requests",
    mode: "digest",
    faults: [
      // The emulator's own challenge passes once (a header-only rule leaves the answer as is).
      { match: { path: JOBS, times: 1 }, headers: { "x-pass": "1" } },
      { match: { path: JOBS }, status: 401, headers: { "WWW-Authenticate": 'Basic realm="corp-proxy"' } },
    ],
    expect: "Unauthorized",
    requests: 2,
    check: ({ error }) =>
      expect(error).toMatchObject({ status: 401, challenge: expect.stringMatching(/it offers Basic/) }),
  },
  {
    name: "digest: 403 (IP access list) to the answered challenge: Forbidden 403, not retried, 2 requests",
    mode: "digest",
    faults: [
      { match: { path: JOBS, times: 1 }, headers: { "x-pass": "1" } },
      {
        match: { path: JOBS },
        status: 403,
        headers: { "WWW-Authenticate": 'Digest realm="MMS Public API", nonce="n", qop="auth", stale=true' },
      },
    ],
    expect: "Forbidden",
    requests: 2,
    check: ({ error }) => expect(error).toMatchObject({ status: 403 }),
  },
]

describe("faults: every injected failure ends in success or the right typed error, in its number of requests", () => {
  const rejections = rejectionWatch()
  beforeAll(() => rejections.install())
  afterAll(() => rejections.uninstall())

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const resources = resourceSnapshot()
    let offset = 0
    const emulator = await startEmulator({
      faults: c.faults ?? [],
      now: () => Date.now() + offset,
      ...c.emulator,
    })
    const ctx: Ctx = { emulator, advance: (millis) => (offset += millis) }
    let baseUrl = emulator.url
    if (c.deadPort === true) {
      const dead = await startEmulator()
      baseUrl = dead.url
      await dead.stop()
    }
    const extra = typeof c.client === "function" ? c.client(ctx) : (c.client ?? {})
    const options = { ...fastClient(emulator, c.mode ?? "token", extra), baseUrl }
    const ref = refOf(c.job)
    const calls = c.calls ?? 1
    const outcome = await runService(options, (jobs) =>
      Effect.gen(function* () {
        let last: FlexRestoreJob | ReadonlyArray<FlexRestoreJob> | undefined
        for (let call = 1; call <= calls; call++) {
          if (call > 1 && c.between !== undefined) c.between(ctx, call)
          const one = c.wait === undefined ? jobs.get(ref) : jobs.wait(ref, c.wait)
          last =
            c.concurrent === undefined
              ? yield* one
              : yield* Effect.all(
                  Array.from({ length: c.concurrent }, () => one),
                  { concurrency: "unbounded" },
                )
        }
        return last
      }),
    )
    try {
      expect(tagOf(outcome.exit)).toBe(c.expect)
      const sent = emulator.stats().requests
      if (typeof c.requests === "number") expect(sent).toBe(c.requests)
      else expect(sent).toBeLessThanOrEqual(c.requests.atMost)
      if (c.check !== undefined) {
        const success = outcome.exit._tag === "Success"
        c.check({
          stats: emulator.stats(),
          value: success ? outcome.exit.value : undefined,
          error: success ? undefined : errorOf(outcome.exit),
        })
      }
      // Nothing still waiting on the server: a hung request must have been aborted by the client.
      expect(await eventually(() => emulator.stats().activeRequests === 0)).toBe(true)
    } finally {
      await emulator.stop()
    }
    // Keep-alive sockets are closed by the emulator's stop; anything left beyond the snapshot leaked.
    expect(await resources.leaks()).toEqual([])
    expect(rejections.seen).toEqual([])
  })

  it("the leak check itself sees a live timer and a live socket", async () => {
    const resources = resourceSnapshot()
    const timer = setTimeout(() => {}, 10_000)
    const emulator = await startEmulator()
    try {
      // Both are seen (on a busy machine a socket of the case before may still be closing: not asserted on).
      expect(await resources.leaks(50)).toEqual(expect.arrayContaining(["TCPSERVERWRAP", "Timeout"]))
    } finally {
      clearTimeout(timer)
      await emulator.stop()
    }
  })

  it("covers every failure class the issue names", () => {
    const tags = new Set(cases.map((c) => c.expect))
    for (const tag of ["success", "RateLimited", "ServerError", "TransportError", "Timeout", "ResponseDecodeError"])
      expect(tags).toContain(tag)
    expect(tags).toContain("AuthError")
  })
})

describe("faults through the Promise face", () => {
  const rejections = rejectionWatch()
  beforeAll(() => rejections.install())
  afterAll(() => rejections.uninstall())

  it("getFlexRestoreJob rejects with the tagged error itself, and leaves nothing behind", async () => {
    const resources = resourceSnapshot()
    const emulator = await startEmulator({ faults: [{ match: { path: JOBS }, status: 503 }] })
    try {
      const error: unknown = await getFlexRestoreJob(refOf(), fastClient(emulator, "digest")).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ServerError)
      expect(error).toMatchObject({ _tag: "ServerError", status: 503 })
    } finally {
      await emulator.stop()
    }
    expect(await resources.leaks()).toEqual([])
    expect(rejections.seen).toEqual([])
  })

  it("a client that hit a hang and a reset closes cleanly, revoking its token", async () => {
    const resources = resourceSnapshot()
    const emulator = await startEmulator({
      faults: [
        { match: { path: JOBS, times: 1 }, hang: true },
        { match: { path: JOBS, times: 1 }, reset: true },
      ],
    })
    try {
      const client = await createFlexRestoreClient(fastClient(emulator, "service", { timeout: 250 }))
      await expect(client.get(refOf())).resolves.toMatchObject({ status: "COMPLETED" })
      await client.close()
      expect(emulator.stats().revocations).toBe(1)
      expect(await eventually(() => emulator.stats().activeRequests === 0)).toBe(true)
    } finally {
      await emulator.stop()
    }
    expect(await resources.leaks()).toEqual([])
    expect(rejections.seen).toEqual([])
  })
})

/**
 * Digest servers the emulator cannot play: nonces declared stale as soon as
 * they are issued (a misbehaving proxy, or Atlas's nonce store having a bad
 * minute). Each row states the requests it may send, and the count is checked:
 * at most one re-challenge per attempt, and a second `stale=true` for the nonce
 * just issued ends the call as Unauthorized, which is not retried.
 */
interface ScriptCase {
  readonly name: string
  /** Answers an authorized request; `k` counts the authorized requests from 0. Unauthenticated ones get a challenge. */
  readonly authorized: (k: number) => ScriptAnswer
  readonly calls: number
  readonly maxAttempts: number
  readonly expect: string
  readonly requests: number
  readonly check?: (error: unknown) => void
}

const ok: ScriptAnswer = { status: 200, body: jobBody() }

function jobBody() {
  return {
    id: EmulatorSeed.jobs.completed,
    projectId: EmulatorSeed.groupId,
    instanceName: EmulatorSeed.clusterName,
    status: "COMPLETED",
  }
}

const scriptCases: ReadonlyArray<ScriptCase> = [
  {
    name: "always stale (the issue's storm: timeout 2 s, maxAttempts 2): Unauthorized after 3 requests",
    authorized: () => digestChallenge(true),
    calls: 1,
    maxAttempts: 2,
    expect: "Unauthorized",
    // The unauthenticated request, the answer to the first nonce, the one re-challenge.
    requests: 3,
    check: (error) => expect(error).toMatchObject({ status: 401, challenge: expect.stringMatching(/stale again/) }),
  },
  {
    name: "always stale with maxAttempts 4: still 3 requests (the refusal is final, not retried)",
    authorized: () => digestChallenge(true),
    calls: 1,
    maxAttempts: 4,
    expect: "Unauthorized",
    requests: 3,
  },
  {
    name: "always stale, 3 calls on one layer: 3 requests each, no storm",
    authorized: () => digestChallenge(true),
    calls: 3,
    maxAttempts: 2,
    expect: "Unauthorized",
    requests: 9,
  },
  {
    name: "stale once, then OK: re-challenged once, success in 3 requests",
    authorized: (k) => (k === 0 ? digestChallenge(true) : ok),
    calls: 1,
    maxAttempts: 1,
    expect: "success",
    requests: 3,
  },
  {
    name: "stale and OK alternating over 4 calls: each call re-challenges once, 1 + 4 × 2 requests",
    authorized: (k) => (k % 2 === 0 ? digestChallenge(true) : ok),
    calls: 4,
    maxAttempts: 1,
    expect: "success",
    requests: 9,
  },
  {
    name: "a fresh nonce refused without stale (wrong keys): Unauthorized, 2 requests, no re-challenge",
    authorized: () => digestChallenge(false),
    calls: 1,
    maxAttempts: 3,
    expect: "Unauthorized",
    requests: 2,
    check: (error) => expect(error).not.toHaveProperty("challenge"),
  },
]

describe("digest servers that declare every nonce stale: bounded by request count", () => {
  it.each(scriptCases.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    let k = 0
    const server = await startScriptServer((request: ScriptRequest) =>
      request.authorization === undefined ? digestChallenge(false) : c.authorized(k++),
    )
    try {
      const options: AtlasClientOptions = {
        baseUrl: server.url,
        auth: { publicKey: "pub", privateKey: "PRIVKEY-script-0123" },
        env: {},
        timeout: "2 seconds",
        retry: { maxAttempts: c.maxAttempts, initialDelay: 1, maxDelay: 1 },
      }
      const outcome = await runService(options, (jobs) =>
        Effect.gen(function* () {
          // Every call runs, whatever the one before it gave; the last one's outcome is the row's.
          let last = yield* Effect.exit(jobs.get(refOf()))
          for (let call = 1; call < c.calls; call++) last = yield* Effect.exit(jobs.get(refOf()))
          return yield* last
        }),
      )
      expect(tagOf(outcome.exit)).toBe(c.expect)
      expect(server.requests.length).toBe(c.requests)
      if (c.check !== undefined) c.check(errorOf(outcome.exit))
    } finally {
      await server.stop()
    }
  })

  it("getFlexRestoreJob against an always-stale server rejects with Unauthorized after 3 requests", async () => {
    const server = await startScriptServer((request) =>
      request.authorization === undefined ? digestChallenge(false) : digestChallenge(true),
    )
    try {
      const error: unknown = await getFlexRestoreJob(refOf(), {
        baseUrl: server.url,
        auth: { publicKey: "pub", privateKey: "PRIVKEY-script-0123" },
        env: {},
        timeout: "2 seconds",
        retry: { maxAttempts: 2 },
      }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ _tag: "Unauthorized", status: 401 })
      expect(server.requests.length).toBe(3)
    } finally {
      await server.stop()
    }
  })
})
