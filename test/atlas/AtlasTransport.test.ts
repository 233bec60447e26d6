/**
 * `AtlasTransport` on its own, over a scripted `HttpClient` (no sockets): the
 * body cap (declared and counted), the release of a refused body, the error
 * texts, the attempt's shared timeout on the virtual clock, and no trace
 * headers on the wire.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "effect/http"
import { AtlasTransport, CurrentAttempt, asAttempt } from "../../src/atlas/AtlasTransport.js"
import type { AttemptClock } from "../../src/atlas/AtlasTransport.js"

type Answer = (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<Response, HttpClientError.HttpClientError>

const scripted = (answer: Answer, config: { maxResponseBytes?: number; timeoutMillis?: number } = {}) => {
  const seen: Array<HttpClientRequest.HttpClientRequest> = []
  const client = HttpClient.make((request) => {
    seen.push(request)
    return Effect.map(answer(request), (response) => HttpClientResponse.fromWeb(request, response))
  })
  const layer = AtlasTransport.layer({
    baseUrl: "https://atlas.test",
    maxConnections: 2,
    maxResponseBytes: config.maxResponseBytes ?? 10,
    timeoutMillis: config.timeoutMillis ?? 1000,
  }).pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, client)))
  const send = (url = "https://atlas.test/p?secret=1") =>
    AtlasTransport.use((t) => t.send(HttpClientRequest.get(url))).pipe(Effect.provide(layer))
  return { seen, send, layer }
}

/** A body in the given chunks; `cancelled` counts cancellations of its source. */
const chunked = (chunks: ReadonlyArray<string>, options: { close?: boolean; error?: Error } = {}) => {
  const state = { cancelled: 0 }
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk))
      if (options.error !== undefined) c.error(options.error)
      else if (options.close !== false) c.close()
    },
    cancel() {
      state.cancelled++
    },
  })
  return { body, state }
}

const ok =
  (response: Response): Answer =>
  () =>
    Effect.succeed(response)

describe("AtlasTransport body", () => {
  it.effect("reads a body of many chunks whole, with status and headers", () => {
    const { body } = chunked(["ab", "cd", "ef"])
    const t = scripted(ok(new Response(body, { status: 201, headers: { "x-a": "1" } })))
    return Effect.gen(function* () {
      const response = yield* t.send()
      assert.strictEqual(response.body, "abcdef")
      assert.strictEqual(response.status, 201)
      assert.strictEqual(response.headers["x-a"], "1")
    })
  })

  it.effect("reads a declared body up to exactly the cap", () => {
    const t = scripted(ok(new Response("0123456789", { headers: { "content-length": "10" } })))
    return Effect.gen(function* () {
      assert.strictEqual((yield* t.send()).body, "0123456789")
    })
  })

  it.effect("refuses a declared size over the cap without reading, and cancels the body", () => {
    // The declared size alone decides: the few bytes sent would fit.
    const { body, state } = chunked(["{}"], { close: false })
    const t = scripted(ok(new Response(body, { status: 200, headers: { "content-length": "11" } })))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(t.send())
      assert.strictEqual(error._tag, "ResponseDecodeError")
      if (error._tag === "ResponseDecodeError") {
        assert.strictEqual(error.reason, "the response body is larger than 10 bytes")
        assert.strictEqual(error.status, 200)
      }
      yield* Effect.promise(() => new Promise<void>((r) => setTimeout(r, 1)))
      assert.strictEqual(state.cancelled, 1)
    })
  })

  it.effect("counts a chunked body and stops past the cap, with the response's status", () => {
    const t = scripted(ok(new Response(chunked(["123456", "78901"]).body, { status: 503 })))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(t.send())
      assert.strictEqual(error._tag, "ResponseDecodeError")
      if (error._tag === "ResponseDecodeError") {
        assert.strictEqual(error.reason, "the response body is larger than 10 bytes")
        assert.strictEqual(error.status, 503)
      }
    })
  })

  for (const bogus of ["1x", "x1", "+1"]) {
    it.effect(`counts the body when Content-Length is not a number (${JSON.stringify(bogus)})`, () => {
      const big = scripted(
        ok(new Response(chunked(["123456", "78901"]).body, { headers: { "content-length": bogus } })),
      )
      const small = scripted(ok(new Response(chunked(["12345"]).body, { headers: { "content-length": bogus } })))
      return Effect.gen(function* () {
        const error = yield* Effect.flip(big.send())
        assert.strictEqual(error._tag, "ResponseDecodeError")
        assert.strictEqual((yield* small.send()).body, "12345")
      })
    })
  }

  it.effect("reads a 204 as an empty body", () => {
    const t = scripted(ok(new Response(null, { status: 204 })))
    return Effect.gen(function* () {
      const response = yield* t.send()
      assert.deepStrictEqual([response.status, response.body], [204, ""])
    })
  })

  it.effect("maps a body that fails midway to TransportError naming the request without its query", () => {
    const t = scripted(ok(new Response(chunked(["12"], { error: new Error("socket hang up") }).body)))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(t.send())
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") {
        assert.match(error.reason, /^reading the response of GET https:\/\/atlas\.test\/p failed: /)
        assert.notInclude(error.reason, "secret")
      }
    })
  })

  it.effect("sends no trace headers", () => {
    const t = scripted(ok(new Response("{}")))
    return Effect.gen(function* () {
      yield* t.send()
      const names = Object.keys(t.seen[0]!.headers)
      assert.notInclude(names, "traceparent")
      assert.notInclude(names, "b3")
    })
  })
})

describe("AtlasTransport errors", () => {
  const failing = (reason: HttpClientError.HttpClientError["reason"]) =>
    scripted(() => Effect.fail(new HttpClientError.HttpClientError({ reason })))
  const request = HttpClientRequest.get("https://atlas.test/p?secret=1")

  it.effect("names the request, the cause's message and the inner code", () => {
    const cause = new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(failing(new HttpClientError.TransportError({ request, cause })).send())
      assert.deepStrictEqual(
        [error._tag, (error as { reason?: string }).reason],
        ["TransportError", "GET https://atlas.test/p: fetch failed (ECONNREFUSED)"],
      )
    })
  })

  it.effect("leaves the code out when the inner cause has none", () => {
    const cause = new TypeError("fetch failed", { cause: { code: 42 } })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(failing(new HttpClientError.TransportError({ request, cause })).send())
      assert.strictEqual((error as { reason?: string }).reason, "GET https://atlas.test/p: fetch failed")
    })
  })

  it.effect("uses the description, else the reason's tag, when there is no Error cause", () => {
    return Effect.gen(function* () {
      const described = yield* Effect.flip(
        failing(new HttpClientError.EncodeError({ request, description: "unsupported body" })).send(),
      )
      assert.strictEqual((described as { reason?: string }).reason, "GET https://atlas.test/p: unsupported body")
      const bare = yield* Effect.flip(failing(new HttpClientError.TransportError({ request, cause: "nope" })).send())
      assert.strictEqual((bare as { reason?: string }).reason, "GET https://atlas.test/p: TransportError")
    })
  })
})

describe("AtlasTransport timeout", () => {
  const slow = (millis: number) =>
    scripted(() => Effect.as(Effect.sleep(millis), new Response("{}")), { timeoutMillis: 1000 })

  it.effect("outside an attempt, each exchange has the whole timeout", () => {
    const t = slow(600)
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.all([t.send(), t.send()]))
      yield* TestClock.adjust(600)
      yield* TestClock.adjust(600)
      const [a, b] = yield* Fiber.join(fiber)
      assert.deepStrictEqual([a.body, b.body], ["{}", "{}"])
      assert.strictEqual(t.seen.length, 2)
    })
  })

  it.effect("inside an attempt, the exchanges share one timeout and the time spent is counted", () => {
    const t = slow(600)
    return Effect.gen(function* () {
      const clock: AttemptClock = { spentMillis: 0 }
      const fiber = yield* Effect.forkChild(
        Effect.flip(Effect.provideService(Effect.andThen(t.send(), t.send()), CurrentAttempt, clock)),
      )
      yield* TestClock.adjust(600)
      assert.strictEqual(clock.spentMillis, 600)
      yield* TestClock.adjust(400)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      if (error._tag === "Timeout") {
        assert.strictEqual(error.afterMillis, 1000)
        assert.strictEqual(error.what, "GET https://atlas.test/p")
      }
      assert.strictEqual(clock.spentMillis, 1000)
      assert.strictEqual(t.seen.length, 2)
    })
  })

  it.effect("asAttempt starts each attempt with a fresh clock", () => {
    const t = slow(600)
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.all([asAttempt(t.send()), asAttempt(t.send())]))
      yield* TestClock.adjust(600)
      yield* TestClock.adjust(600)
      const [a, b] = yield* Fiber.join(fiber)
      assert.deepStrictEqual([a.body, b.body], ["{}", "{}"])
    })
  })

  it.effect("an attempt whose time is used up sends nothing more", () => {
    const t = slow(10)
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Effect.provideService(t.send(), CurrentAttempt, { spentMillis: 1000 }))
      assert.strictEqual(error._tag, "Timeout")
      if (error._tag === "Timeout")
        assert.deepStrictEqual([error.afterMillis, error.what], [1000, "GET https://atlas.test/p"])
      assert.strictEqual(t.seen.length, 0)
    })
  })
})

describe("AtlasTransport, an error without a reason", () => {
  it.effect("describes a client failure that holds no reason (not effect's HttpClientError) by its message", () => {
    // effect's own clients always fail with a reason; a hand-made or foreign client may not, and its
    // failure must still read as a TransportError, not a defect.
    const foreign = new Error("the proxy hung up")
    const t = scripted(() => Effect.fail(foreign as unknown as HttpClientError.HttpClientError))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(t.send())
      assert.deepStrictEqual(
        [error._tag, (error as { reason?: string }).reason],
        ["TransportError", "the proxy hung up"],
      )
    })
  })
})
