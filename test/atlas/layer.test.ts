import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Tracer } from "effect"
import { TestClock } from "effect/testing"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import type { AtlasError } from "../../src/atlas/AtlasError.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import type { GetOptions } from "../../src/atlas/FlexRestoreJobs.js"
import type { FlexRestoreJobRef } from "../../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobsLive, make } from "../../src/atlas/layer.js"
import { AtlasAuth } from "../../src/atlas/AtlasAuth.js"
import { fake, json, JOB_BODY, REF } from "./fake.js"
import type { Fake, Handler } from "./fake.js"
import { recordingTracer } from "../spans.js"

const base: AtlasClientOptions = { baseUrl: "https://atlas.test", auth: { accessToken: "tok-secret" }, env: {} }

const provide =
  (f: Fake, options: AtlasClientOptions = base) =>
  <A, E>(effect: Effect.Effect<A, E, FlexRestoreJobs>) =>
    effect.pipe(Effect.provide(FlexRestoreJobsLive.layer(options).pipe(Layer.provide(f.layer))))

const getWith = (f: Fake, options: AtlasClientOptions = base, ref: FlexRestoreJobRef = REF, get?: GetOptions) =>
  FlexRestoreJobs.use((jobs) => jobs.get(ref, get)).pipe(provide(f, options))

const failureOf = (f: Fake, options?: AtlasClientOptions, ref?: FlexRestoreJobRef, get?: GetOptions) =>
  Effect.flip(getWith(f, options, ref, get))

/** Lets real promises (the fake's handlers) settle between virtual clock steps. */
const settle = Effect.promise(() => new Promise<void>((r) => setTimeout(r, 1)))
const advance = (millis: number, steps = 1) =>
  Effect.gen(function* () {
    for (let i = 0; i < steps; i++) {
      yield* settle
      yield* TestClock.adjust(millis / steps)
      yield* settle
    }
  })

const noRetry: AtlasClientOptions = { ...base, retry: { maxAttempts: 1 } }

describe("request", () => {
  it.effect("sends the versioned Accept, a User-Agent and the bearer token to the encoded path", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      const job = yield* getWith(f)
      assert.deepStrictEqual(job, JOB_BODY)
      assert.strictEqual(f.requests.length, 1)
      const r = f.requests[0]!
      assert.strictEqual(r.method, "GET")
      assert.strictEqual(
        r.url.href,
        `https://atlas.test/api/atlas/v2/groups/${REF.groupId}/flexClusters/flex-demo/backup/restoreJobs/${REF.restoreJobId}`,
      )
      assert.strictEqual(r.headers["accept"], "application/vnd.atlas.2024-11-13+json")
      assert.match(r.headers["user-agent"]!, /^atlas-flex-restore\/\d+\.\d+\.\d+ \(Node \d+\.\d+\.\d+; \w+ \w+\)$/)
      assert.strictEqual(r.headers["authorization"], "Bearer tok-secret")
    })
  })

  it.effect("adds envelope and pretty only when asked", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      yield* getWith(f, base, REF, { pretty: true })
      yield* getWith(f, base, REF, { envelope: false, pretty: false })
      assert.strictEqual(f.requests[0]!.url.search, "?pretty=true")
      assert.strictEqual(f.requests[1]!.url.search, "")
    })
  })

  it.effect("keeps a base URL's path prefix and drops its trailing slash", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      yield* getWith(f, { ...base, baseUrl: "https://proxy.test/atlas/" })
      assert.isTrue(f.requests[0]!.url.pathname.startsWith("/atlas/api/atlas/v2/groups/"))
    })
  })
})

describe("input validation", () => {
  it.effect("lists every bad field in one InvalidRequest and sends nothing", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      const error = yield* failureOf(f, base, { groupId: "XYZ", name: "-bad/../x", restoreJobId: "" })
      assert.strictEqual(error._tag, "InvalidRequest")
      if (error._tag !== "InvalidRequest") return
      assert.deepStrictEqual(
        error.fields.map((x) => [x.field, x.value]),
        [
          ["groupId", "XYZ"],
          ["name", "-bad/../x"],
          ["restoreJobId", ""],
        ],
      )
      assert.include(error.message, "groupId")
      assert.strictEqual(f.requests.length, 0)
    })
  })

  it.effect("refuses upper-case hex ids (the spec's pattern is [a-f0-9]{24}) and sends nothing", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      const upper = { ...REF, groupId: REF.groupId.toUpperCase(), restoreJobId: REF.restoreJobId.toUpperCase() }
      assert.notStrictEqual(upper.groupId, REF.groupId)
      const error = yield* failureOf(f, base, upper)
      assert.strictEqual(error._tag, "InvalidRequest")
      if (error._tag === "InvalidRequest")
        assert.deepStrictEqual(
          error.fields.map((x) => x.field),
          ["groupId", "restoreJobId"],
        )
      assert.strictEqual(f.requests.length, 0)
    })
  })

  it.effect("treats a missing field as invalid", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      const error = yield* failureOf(f, base, { groupId: REF.groupId, name: REF.name } as FlexRestoreJobRef)
      assert.strictEqual(error._tag, "InvalidRequest")
      if (error._tag === "InvalidRequest")
        assert.deepStrictEqual(
          error.fields.map((x) => x.field),
          ["restoreJobId"],
        )
      assert.strictEqual(f.requests.length, 0)
    })
  })

  it.effect("refuses plain http to a remote host unless allowed, and sends nothing", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      const error = yield* failureOf(f, { ...base, baseUrl: "http://atlas.example.com" })
      assert.strictEqual(error._tag, "InvalidRequest")
      if (error._tag === "InvalidRequest") assert.strictEqual(error.fields[0]!.field, "baseUrl")
      assert.strictEqual(f.requests.length, 0)
      yield* getWith(f, { ...base, baseUrl: "http://atlas.example.com", allowInsecureHttp: true })
      yield* getWith(f, { ...base, baseUrl: "http://127.0.0.1:8080" })
      yield* getWith(f, { ...base, baseUrl: "http://localhost:8080" })
      assert.strictEqual(f.requests.length, 3)
    })
  })
})

describe("decoding", () => {
  it.effect("is lenient: missing and unknown fields, unknown enum values", () => {
    const body = { id: REF.restoreJobId, status: "ARCHIVED", deliveryType: "TELEPORT", brandNew: { x: 1 } }
    const f = fake(() => json(200, body))
    return Effect.gen(function* () {
      const job = yield* getWith(f)
      assert.deepStrictEqual(job, { id: REF.restoreJobId, status: "ARCHIVED", deliveryType: "TELEPORT" })
    })
  })

  it.effect("accepts an empty object (every field is optional)", () => {
    const f = fake(() => json(200, {}))
    return Effect.gen(function* () {
      assert.deepStrictEqual(yield* getWith(f), {})
    })
  })

  const decodeFailures: ReadonlyArray<[string, () => Response, string]> = [
    ["an HTML body", () => new Response("<html>oops</html>", { status: 200 }), "not JSON"],
    ["an array", () => json(200, [JOB_BODY]), "an array"],
    ["null", () => json(200, "null"), "null"],
    ["a number", () => json(200, "42"), "number"],
    ["an empty body", () => new Response("", { status: 200 }), "empty"],
    ["a field of the wrong type", () => json(200, { status: 42 }), "not shaped like a restore job"],
  ]
  for (const [what, response, reason] of decodeFailures) {
    it.effect(`fails with ResponseDecodeError on ${what}`, () => {
      const f = fake(response)
      return Effect.gen(function* () {
        const error = yield* failureOf(f)
        assert.strictEqual(error._tag, "ResponseDecodeError")
        if (error._tag === "ResponseDecodeError") assert.include(error.reason, reason)
        assert.strictEqual(f.requests.length, 1)
      })
    })
  }

  it.effect("caps the body size", () => {
    const big = JSON.stringify({ ...JOB_BODY, padding: "x".repeat(2000) })
    const f = fake(() => new Response(big, { status: 200 }))
    const chunked = fake(
      () =>
        new Response(
          new ReadableStream({
            start(c) {
              for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode("x".repeat(300)))
              c.close()
            },
          }),
          { status: 200 },
        ),
    )
    return Effect.gen(function* () {
      const error = yield* failureOf(f, { ...base, maxResponseBytes: 1000 })
      assert.strictEqual(error._tag, "ResponseDecodeError")
      if (error._tag === "ResponseDecodeError") assert.include(error.reason, "larger than 1000 bytes")
      const streamed = yield* failureOf(chunked, { ...base, maxResponseBytes: 1000 })
      assert.strictEqual(streamed._tag, "ResponseDecodeError")
      const declared = fake(() => new Response(big, { status: 200, headers: { "content-length": String(big.length) } }))
      const refused = yield* failureOf(declared, { ...base, maxResponseBytes: 1000 })
      assert.strictEqual(refused._tag, "ResponseDecodeError")
      assert.strictEqual((yield* getWith(declared, { ...base, maxResponseBytes: 4096 })).id, JOB_BODY.id)
      const ok = yield* getWith(f, { ...base, maxResponseBytes: 4096 })
      assert.strictEqual(ok.id, JOB_BODY.id)
    })
  })
})

describe("errors", () => {
  const apiError = (status: number, errorCode: string, extra: object = {}) =>
    json(status, { error: status, errorCode, detail: `detail of ${errorCode}`, reason: "Some Reason", ...extra })

  const cases: ReadonlyArray<[number, string, AtlasError["_tag"]]> = [
    [400, "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API", "BadRequest"],
    [401, "USER_UNAUTHORIZED", "Unauthorized"],
    [403, "IP_ADDRESS_NOT_ON_ACCESS_LIST", "Forbidden"],
    [404, "RESOURCE_NOT_FOUND", "NotFound"],
    [429, "RATE_LIMITED", "RateLimited"],
    [500, "UNEXPECTED_ERROR", "ServerError"],
    [503, "SERVICE_UNAVAILABLE", "ServerError"],
    [406, "INVALID_ACCEPT_HEADER", "UnexpectedStatus"],
    [410, "VERSION_GONE", "UnexpectedStatus"],
    [302, "MOVED", "UnexpectedStatus"],
  ]
  for (const [status, code, tag] of cases) {
    it.effect(`maps ${status} to ${tag} with the body's fields`, () => {
      const f = fake(() => apiError(status, code, { parameters: ["flex-demo", 42] }))
      return Effect.gen(function* () {
        const error = yield* failureOf(f, noRetry)
        assert.strictEqual(error._tag, tag)
        assert.deepStrictEqual(
          {
            status: (error as { status?: number }).status,
            errorCode: (error as { errorCode?: string }).errorCode,
            detail: (error as { detail?: string }).detail,
            reason: (error as { reason?: string }).reason,
            parameters: (error as { parameters?: unknown }).parameters,
          },
          {
            status,
            errorCode: code,
            detail: `detail of ${code}`,
            reason: "Some Reason",
            parameters: ["flex-demo", 42],
          },
        )
        assert.include(error.message, String(status))
        assert.include(error.message, code)
        assert.notInclude(error.message, "\n")
      })
    })
  }

  it.effect("keeps badRequestDetail and takes errorCode from X-Error-Code when the body has none", () => {
    const f = fake((_, i) =>
      i === 0
        ? json(400, {
            error: 400,
            errorCode: "INVALID_PATH_PARAMETER",
            badRequestDetail: { fields: [{ field: "groupId", description: "bad" }, "junk"] },
          })
        : new Response("<html>bad gateway</html>", { status: 404, headers: { "x-error-code": "CLUSTER_NOT_FOUND" } }),
    )
    return Effect.gen(function* () {
      const bad = yield* failureOf(f, noRetry)
      assert.strictEqual(bad._tag, "BadRequest")
      if (bad._tag === "BadRequest")
        assert.deepStrictEqual(bad.badRequestDetail, { fields: [{ field: "groupId", description: "bad" }] })
      const notFound = yield* failureOf(f, noRetry)
      assert.strictEqual(notFound._tag, "NotFound")
      if (notFound._tag === "NotFound") assert.strictEqual(notFound.errorCode, "CLUSTER_NOT_FOUND")
    })
  })

  it.effect("carries the Retry-After of a 429", () => {
    const f = fake(() => rateLimited(7))
    return Effect.gen(function* () {
      const error = yield* failureOf(f, noRetry)
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag === "RateLimited") assert.strictEqual(error.retryAfterSeconds, 7)
      assert.include(error.message, "Retry-After 7s")
    })
  })

  it.effect("maps a refused connection to TransportError", () => {
    const f = fake(() => Promise.reject(new TypeError("fetch failed")))
    return Effect.gen(function* () {
      const error = yield* failureOf(f, noRetry)
      assert.strictEqual(error._tag, "TransportError")
      assert.notInclude(error.message, "tok-secret")
    })
  })
})

const rateLimited = (retryAfter: number | string) =>
  json(429, { error: 429, errorCode: "RATE_LIMITED" }, { "retry-after": String(retryAfter) })
const unavailable = () => json(503, { error: 503, errorCode: "SERVICE_UNAVAILABLE" })

describe("envelope", () => {
  it.effect("unwraps a job to the same value as without it", () => {
    const f = fake((r) =>
      r.url.searchParams.get("envelope") === "true"
        ? json(200, { status: 200, content: JOB_BODY })
        : json(200, JOB_BODY),
    )
    return Effect.gen(function* () {
      const plain = yield* getWith(f)
      const enveloped = yield* getWith(f, base, REF, { envelope: true })
      assert.deepStrictEqual(enveloped, plain)
      assert.strictEqual(f.requests[1]!.url.searchParams.get("envelope"), "true")
    })
  })

  it.effect("unwraps an error to the same typed error as without it", () => {
    const body = {
      error: 404,
      errorCode: "RESOURCE_NOT_FOUND",
      detail: "No restore job.",
      parameters: [REF.restoreJobId],
    }
    const f = fake((r) =>
      r.url.searchParams.get("envelope") === "true" ? json(200, { status: 404, content: body }) : json(404, body),
    )
    return Effect.gen(function* () {
      const plain = yield* failureOf(f, noRetry)
      const enveloped = yield* failureOf(f, noRetry, REF, { envelope: true })
      assert.strictEqual(enveloped._tag, "NotFound")
      assert.deepStrictEqual({ ...enveloped }, { ...plain })
    })
  })

  it.effect("retries an enveloped 429 like a plain one", () => {
    const f = fake((_, i) =>
      i === 0
        ? json(200, { status: 429, content: { error: 429, errorCode: "RATE_LIMITED" } }, { "retry-after": "1" })
        : json(200, { status: 200, content: JOB_BODY }),
    )
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(getWith(f, base, REF, { envelope: true }))
      yield* advance(2000, 4)
      const job = yield* Fiber.join(fiber)
      assert.strictEqual(job.id, JOB_BODY.id)
      assert.strictEqual(f.requests.length, 2)
    })
  })
})

describe("retries", () => {
  it.effect("retries 5xx, transport errors and 429 with backoff, then succeeds", () => {
    const responses: Array<Handler> = [
      () => unavailable(),
      () => Promise.reject(new TypeError("reset")),
      () => rateLimited(0),
    ]
    const f = fake((r, i) => (responses[i] ? responses[i]!(r, i) : json(200, JOB_BODY)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(getWith(f))
      yield* advance(20_000, 40)
      const job = yield* Fiber.join(fiber)
      assert.strictEqual(job.id, JOB_BODY.id)
      assert.strictEqual(f.requests.length, 4)
    })
  })

  it.effect("waits at least Retry-After before retrying", () => {
    const f = fake((_, i) => (i === 0 ? rateLimited(5) : json(200, JOB_BODY)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(getWith(f))
      yield* advance(4900, 7)
      assert.strictEqual(f.requests.length, 1)
      yield* advance(200, 2)
      assert.strictEqual(f.requests.length, 2)
      assert.strictEqual((yield* Fiber.join(fiber)).id, JOB_BODY.id)
    })
  })

  it.effect("honours an HTTP-date Retry-After", () => {
    const f = fake((_, i) => (i === 0 ? rateLimited(new Date(10_000).toUTCString()) : json(200, JOB_BODY)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(getWith(f))
      yield* advance(9000, 9)
      assert.strictEqual(f.requests.length, 1)
      yield* advance(1500, 3)
      assert.strictEqual(f.requests.length, 2)
      yield* Fiber.join(fiber)
    })
  })

  it.effect("caps Retry-After (default 60 s): a Retry-After of an hour does not stall", () => {
    const f = fake((_, i) => (i === 0 ? rateLimited(3600) : json(200, JOB_BODY)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(getWith(f))
      yield* advance(59_000, 10)
      assert.strictEqual(f.requests.length, 1)
      yield* advance(1_500, 3)
      assert.strictEqual(f.requests.length, 2)
      yield* Fiber.join(fiber)
    })
  })

  it.effect("uses a configured Retry-After cap", () => {
    const f = fake((_, i) => (i === 0 ? rateLimited(3600) : json(200, JOB_BODY)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(getWith(f, { ...base, retry: { retryAfterCap: "2 seconds" } }))
      yield* advance(2_100, 5)
      assert.strictEqual(f.requests.length, 2)
      yield* Fiber.join(fiber)
    })
  })

  it.effect("honours Retry-After on a 503 too", () => {
    const f = fake((_, i) => (i === 0 ? json(503, { error: 503 }, { "retry-after": "30" }) : json(200, JOB_BODY)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(getWith(f))
      yield* advance(29_000, 10)
      assert.strictEqual(f.requests.length, 1)
      yield* advance(1_500, 3)
      assert.strictEqual(f.requests.length, 2)
      yield* Fiber.join(fiber)
    })
  })

  it.effect("never retries other 4xx", () => {
    const f = fake(() => json(404, { error: 404, errorCode: "RESOURCE_NOT_FOUND" }))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(getWith(f)))
      yield* advance(120_000, 10)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(f.requests.length, 1)
    })
  })

  it.effect("gives up after maxAttempts with the last error", () => {
    const f = fake(() => unavailable())
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(getWith(f, { ...base, retry: { maxAttempts: 3 } })))
      yield* advance(60_000, 30)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(f.requests.length, 3)
    })
  })

  it.effect("backs off exponentially with jitter between attempts", () => {
    const f2 = fake(() => unavailable())
    return Effect.gen(function* () {
      const clockTimes: Array<number> = []
      const fiber = yield* Effect.forkChild(
        Effect.flip(getWith(f2, { ...base, retry: { maxAttempts: 4, initialDelay: 1000, maxDelay: 100_000 } })),
      )
      // Record the virtual time at which each attempt arrives.
      let seen = 0
      for (let t = 0; t <= 10_000; t += 50) {
        yield* settle
        while (f2.requests.length > seen) {
          seen++
          clockTimes.push(t)
        }
        yield* TestClock.adjust(50)
      }
      yield* Fiber.join(fiber)
      assert.strictEqual(clockTimes.length, 4)
      const gaps = clockTimes.slice(1).map((t, i) => t - clockTimes[i]!)
      // Equal jitter: retry n waits between half and all of initialDelay * 2^n.
      gaps.forEach((gap, n) => {
        assert.isAtLeast(gap, 1000 * 2 ** n * 0.5 - 50)
        assert.isAtMost(gap, 1000 * 2 ** n + 50)
      })
    })
  })
})

describe("timeout", () => {
  it.effect("aborts an attempt past the timeout, retries, and fails with Timeout", () => {
    const f = fake(() => new Promise<Response>(() => {}))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(
        Effect.flip(getWith(f, { ...base, timeout: "1 second", retry: { maxAttempts: 2, initialDelay: 10 } })),
      )
      yield* advance(3_000, 30)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      if (error._tag === "Timeout") assert.strictEqual(error.afterMillis, 1000)
      assert.strictEqual(f.requests.length, 2)
      assert.strictEqual(f.aborted.length, 2)
    })
  })

  for (const declared of [true, false]) {
    it.effect(`aborts a body that stalls after the headers (${declared ? "known length" : "chunked"})`, () => {
      let cancelled = 0
      const f = fake(
        () =>
          new Response(
            new ReadableStream({
              start(c) {
                c.enqueue(new TextEncoder().encode('{"id":'))
              },
              cancel() {
                cancelled++
              },
            }),
            { status: 200, headers: declared ? { "content-length": "100" } : {} },
          ),
      )
      return Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          Effect.flip(getWith(f, { ...base, timeout: "1 second", retry: { maxAttempts: 1 } })),
        )
        yield* advance(1_500, 10)
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "Timeout")
        yield* settle
        assert.strictEqual(cancelled, 1)
      })
    })
  }

  it.effect("a slow first attempt that times out is followed by a successful retry", () => {
    const f = fake((_, i) => (i === 0 ? new Promise<Response>(() => {}) : json(200, JOB_BODY)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(getWith(f, { ...base, timeout: 500, retry: { initialDelay: 10 } }))
      yield* advance(1_000, 20)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(f.aborted.length, 1)
    })
  })
})

describe("request details", () => {
  it.effect("reports each missing field of a reference as the empty value", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      // `undefined` passed straight to the service: getWith's default parameter would replace it.
      for (const ref of [{}, undefined]) {
        const error = yield* Effect.flip(
          FlexRestoreJobs.use((jobs) => jobs.get(ref as unknown as FlexRestoreJobRef)).pipe(provide(f)),
        )
        assert.strictEqual(error._tag, "InvalidRequest")
        if (error._tag === "InvalidRequest")
          assert.deepStrictEqual(
            error.fields.map((x) => [x.field, x.value]),
            [
              ["groupId", ""],
              ["name", ""],
              ["restoreJobId", ""],
            ],
          )
      }
      assert.strictEqual(f.requests.length, 0)
    })
  })

  it.effect("joins envelope and pretty with &", () => {
    const f = fake(() => json(200, { status: 200, content: JOB_BODY }))
    return Effect.gen(function* () {
      const job = yield* getWith(f, base, REF, { envelope: true, pretty: true })
      assert.deepStrictEqual(job, JOB_BODY)
      assert.strictEqual(f.requests[0]!.url.search, "?envelope=true&pretty=true")
    })
  })
})

describe("make over a custom AtlasAuth", () => {
  it.effect("needs no configured auth, and masks what the auth obtained in an error's detail", () => {
    const sent: Array<string> = []
    const auth = AtlasAuth.of({
      mode: "AccessToken",
      send: (request) =>
        Effect.sync(() => {
          sent.push(request.url)
          return {
            status: 404,
            headers: {},
            body: JSON.stringify({
              error: 404,
              errorCode: "NOT_FOUND",
              detail: "token obtained-tok is not for this job",
            }),
          }
        }),
      obtainedSecrets: () => ["obtained-tok"],
    })
    const retry = { maxAttempts: 1, initialDelayMillis: 1, maxDelayMillis: 1, retryAfterCapMillis: 1 }
    return Effect.gen(function* () {
      const jobs = yield* make({ baseUrl: "https://atlas.test", baseUrlProblem: undefined, retry }).pipe(
        Effect.provideService(AtlasAuth, auth),
      )
      const error = yield* Effect.flip(jobs.get(REF))
      assert.strictEqual(error._tag, "NotFound")
      if (error._tag === "NotFound") {
        assert.strictEqual(error.errorCode, "NOT_FOUND")
        assert.notInclude(error.detail, "obtained-tok")
        assert.include(error.detail, " is not for this job")
      }
      assert.deepStrictEqual(sent, [
        `https://atlas.test/api/atlas/v2/groups/${REF.groupId}/flexClusters/flex-demo/backup/restoreJobs/${REF.restoreJobId}`,
      ])
    })
  })
})

describe("what only some inputs reveal", () => {
  it.effect("does not unwrap an envelope-shaped body unless envelope was asked", () => {
    const f = fake(() => json(200, { status: 200, content: JOB_BODY }))
    return Effect.gen(function* () {
      const error = yield* failureOf(f, noRetry)
      assert.strictEqual(error._tag, "ResponseDecodeError")
      if (error._tag === "ResponseDecodeError") assert.strictEqual(error.status, 200)
      assert.strictEqual(f.requests[0]!.url.search, "")
    })
  })

  it.effect("returns a job whose answer carries a Retry-After header", () => {
    const f = fake(() => json(200, JOB_BODY, { "retry-after": "5" }))
    return Effect.gen(function* () {
      assert.deepStrictEqual(yield* getWith(f), JOB_BODY)
      assert.strictEqual(f.requests.length, 1)
    })
  })

  it.effect("traces get and wait as named spans, get's annotated with the reference", () => {
    const { tracer, spans } = recordingTracer()
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      yield* FlexRestoreJobs.use((jobs) => jobs.wait(REF, { interval: 1000 })).pipe(
        provide(f),
        Effect.provideService(Tracer.Tracer, tracer),
      )
      const named = spans.filter((s) => s.name.startsWith("FlexRestoreJobs."))
      assert.deepStrictEqual(
        named.map((s) => s.name),
        ["FlexRestoreJobs.wait", "FlexRestoreJobs.get"],
      )
      const attributes = named[1]!.attributes
      assert.deepStrictEqual(
        ["groupId", "name", "restoreJobId"].map((k) => attributes.get(k)),
        [REF.groupId, REF.name, REF.restoreJobId],
      )
    })
  })
})
