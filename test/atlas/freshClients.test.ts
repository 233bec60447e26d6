/**
 * The module-level code of the client modules (AtlasTransport, NodeHttpClient,
 * layer) judged on copies loaded afresh inside the tests: their top-level
 * helpers (`tooLarge`, `release`, `disabled`, `transportError`,
 * `prematureClose`, `readableStream`, the form decoder), the attempt clock's
 * default, the service's key, the static and exported layers, the media type
 * and the fetch client's `redirect: "manual"` are all evaluated once, when the
 * module loads. Stryker activates a mutant after a test file's static imports
 * have run, so only a copy loaded in a test body (`loadFresh`, test/fresh.ts)
 * sees it; the assertions below are on what a server, a client or a user sees
 * of that copy. Each test loads its own copy, so every test that judges a
 * module-level mutant is credited with covering it.
 *
 * Not judged: the key of `CurrentAttempt`. Within one copy of the module the
 * reference that `asAttempt` provides and `send` reads is one object, so the
 * key never decides a lookup, and neither is part of the package's entry point
 * (no user can hand one copy's attempt clock to another copy's transport).
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Result, Stream } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "effect/http"
import { AtlasAuth } from "../../src/atlas/AtlasAuth.js"
import { resolveConfig } from "../../src/atlas/AtlasConfig.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { fake, json, JOB_BODY, REF } from "./fake.js"
import { loadFresh } from "../fresh.js"

type TransportModule = typeof import("../../src/atlas/AtlasTransport.js")
type NodeHttpClientModule = typeof import("../../src/atlas/NodeHttpClient.js")
type LayerModule = typeof import("../../src/atlas/layer.js")

/** A copy of `src/atlas/<file>` of its own, evaluated now (its imports stay the shared ones). */
const freshAtlas = <M>(file: string): Promise<M> => loadFresh<M>(new URL(`../../src/atlas/${file}`, import.meta.url))

const MEDIA_TYPE = "application/vnd.atlas.2024-11-13+json"
const JOB_PATH = `/api/atlas/v2/groups/${REF.groupId}/flexClusters/${REF.name}/backup/restoreJobs/${REF.restoreJobId}`

// -----------------------------------------------------------------------------
// AtlasTransport, over a scripted HttpClient (no sockets)
// -----------------------------------------------------------------------------

type Answer = (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<Response>

/** The fresh module's transport layer over a client that answers with `answer` and records each request. */
const scripted = (
  transport: TransportModule,
  answer: Answer,
  config: { maxResponseBytes?: number; timeoutMillis?: number } = {},
) => {
  const seen: Array<HttpClientRequest.HttpClientRequest> = []
  const client = HttpClient.make((request) => {
    seen.push(request)
    return Effect.map(answer(request), (response) => HttpClientResponse.fromWeb(request, response))
  })
  const layer = transport.AtlasTransport.layer({
    baseUrl: "https://atlas.test",
    maxConnections: 2,
    maxResponseBytes: config.maxResponseBytes ?? 10,
    timeoutMillis: config.timeoutMillis ?? 1000,
  }).pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, client)))
  const send = transport.AtlasTransport.use((t) => t.send(HttpClientRequest.get("https://atlas.test/p?secret=1")))
  return { seen, layer, send: Effect.provide(send, layer) }
}

describe("AtlasTransport loaded afresh", () => {
  it.effect("answers an exchange made outside any attempt (no attempt clock is needed)", () =>
    Effect.gen(function* () {
      const transport = yield* Effect.promise(() => freshAtlas<TransportModule>("AtlasTransport.ts"))
      const t = scripted(transport, () => Effect.succeed(new Response("{}", { status: 201, headers: { "x-a": "1" } })))
      const response = yield* t.send
      assert.deepStrictEqual([response.status, response.headers["x-a"], response.body], [201, "1", "{}"])
      assert.strictEqual(t.seen.length, 1)
    }),
  )

  it.effect("sends no trace headers (traceparent, b3) to Atlas", () =>
    Effect.gen(function* () {
      const transport = yield* Effect.promise(() => freshAtlas<TransportModule>("AtlasTransport.ts"))
      const t = scripted(transport, () => Effect.succeed(new Response("{}")))
      yield* t.send
      const names = Object.keys(t.seen[0]!.headers)
      assert.notInclude(names, "traceparent")
      assert.notInclude(names, "b3")
    }),
  )

  it.effect("refuses a declared size over the cap with ResponseDecodeError, and cancels the unread body", () =>
    Effect.gen(function* () {
      const transport = yield* Effect.promise(() => freshAtlas<TransportModule>("AtlasTransport.ts"))
      let cancelled!: () => void
      const cancel = new Promise<void>((resolve) => (cancelled = resolve))
      // Never closed: only a cancellation ends it.
      const body = new ReadableStream<Uint8Array>({
        start: (c) => c.enqueue(new TextEncoder().encode("{}")),
        cancel: () => cancelled(),
      })
      const t = scripted(transport, () =>
        Effect.succeed(new Response(body, { status: 200, headers: { "content-length": "11" } })),
      )
      const error = yield* Effect.flip(t.send)
      assert.deepStrictEqual(
        [error._tag, (error as { reason?: string }).reason, (error as { status?: number }).status],
        ["ResponseDecodeError", "the response body is larger than 10 bytes", 200],
      )
      yield* Effect.promise(() => cancel)
    }),
  )

  it.effect("stops a chunked body past the cap with ResponseDecodeError and the response's status", () =>
    Effect.gen(function* () {
      const transport = yield* Effect.promise(() => freshAtlas<TransportModule>("AtlasTransport.ts"))
      const body = new ReadableStream<Uint8Array>({
        start: (c) => {
          for (const chunk of ["123456", "78901"]) c.enqueue(new TextEncoder().encode(chunk))
          c.close()
        },
      })
      const t = scripted(transport, () => Effect.succeed(new Response(body, { status: 503 })))
      const error = yield* Effect.flip(t.send)
      assert.deepStrictEqual(
        [error._tag, (error as { reason?: string }).reason, (error as { status?: number }).status],
        ["ResponseDecodeError", "the response body is larger than 10 bytes", 503],
      )
    }),
  )

  it.effect("asAttempt makes the exchanges of one attempt share one timeout", () =>
    Effect.gen(function* () {
      const transport = yield* Effect.promise(() => freshAtlas<TransportModule>("AtlasTransport.ts"))
      const t = scripted(transport, () => Effect.as(Effect.sleep(600), new Response("{}")), { timeoutMillis: 1000 })
      // One attempt of two exchanges, then one of a single exchange, each exchange 600 ms under a 1000 ms timeout.
      const fiber = yield* Effect.forkChild(
        Effect.all([Effect.flip(transport.asAttempt(Effect.andThen(t.send, t.send))), transport.asAttempt(t.send)]),
      )
      yield* TestClock.adjust(600)
      yield* TestClock.adjust(400)
      yield* TestClock.adjust(600)
      const [shared, alone] = yield* Fiber.join(fiber)
      // The second exchange had the 400 ms the first one left.
      assert.strictEqual(shared._tag, "Timeout")
      if (shared._tag === "Timeout")
        assert.deepStrictEqual([shared.afterMillis, shared.what], [1000, "GET https://atlas.test/p"])
      // A new attempt starts from zero: its one exchange fits.
      assert.strictEqual(alone.body, "{}")
      assert.strictEqual(t.seen.length, 3)
    }),
  )

  it.effect("its transport layer serves an AtlasAuth from another copy of the module (services meet by key)", () =>
    Effect.gen(function* () {
      // As with two installs of the package: the main copy's AtlasAuth finds the fresh copy's transport.
      const transport = yield* Effect.promise(() => freshAtlas<TransportModule>("AtlasTransport.ts"))
      const t = scripted(transport, () => Effect.succeed(new Response("{}")))
      const config = Result.getOrThrow(resolveConfig({ auth: { accessToken: "tok" }, env: {} }))
      const response = yield* AtlasAuth.use((auth) => auth.send(HttpClientRequest.get("https://atlas.test/p"))).pipe(
        Effect.provide(AtlasAuth.layerConfig(config).pipe(Layer.provide(t.layer))),
      )
      assert.strictEqual(response.body, "{}")
      assert.strictEqual(t.seen[0]!.headers["authorization"], "Bearer tok")
    }),
  )
})

// -----------------------------------------------------------------------------
// Loopback servers
// -----------------------------------------------------------------------------

interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
}

interface TestServer {
  readonly url: string
  readonly seen: Array<Seen>
  /** Resolves when the next connection to close has closed. */
  readonly connectionClosed: () => Promise<void>
  readonly stop: () => Promise<void>
}

const serve = async (route: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> => {
  const seen: Array<Seen> = []
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers })
    route(req, res)
  })
  const waiting: Array<() => void> = []
  server.on("connection", (socket) => socket.once("close", () => waiting.splice(0).forEach((f) => f())))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connectionClosed: () => new Promise<void>((resolve) => waiting.push(resolve)),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const failureOf = (exit: Exit.Exit<unknown, unknown>): unknown => {
  const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  return reason?._tag === "Fail" ? reason.error : undefined
}

// -----------------------------------------------------------------------------
// NodeHttpClient
// -----------------------------------------------------------------------------

describe("NodeHttpClient loaded afresh", () => {
  const run = <A, E>(client: NodeHttpClientModule, effect: Effect.Effect<A, E, HttpClient.HttpClient>) =>
    Effect.runPromiseExit(Effect.provide(effect, client.layer()))

  it("streams a body chunk by chunk as the server writes it", async () => {
    const client = await freshAtlas<NodeHttpClientModule>("NodeHttpClient.ts")
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" })
      res.write("first,")
      setImmediate(() => res.end("second"))
    })
    try {
      const exit = await run(
        client,
        Effect.flatMap(HttpClient.get(`${server.url}/stream`), (response) => Stream.runCollect(response.stream)),
      )
      assert.strictEqual(Exit.isSuccess(exit) ? Buffer.concat(exit.value).toString("utf8") : exit, "first,second")
    } finally {
      await server.stop()
    }
  })

  it("fails a refused connection with a TransportError holding the request and ECONNREFUSED", async () => {
    const client = await freshAtlas<NodeHttpClientModule>("NodeHttpClient.ts")
    const gone = await serve((_req, res) => res.end())
    await gone.stop()
    const request = HttpClientRequest.get(`${gone.url}/p`)
    const exit = await run(
      client,
      Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(request)),
    )
    const error = failureOf(exit)
    assert.isTrue(HttpClientError.isHttpClientError(error))
    if (!HttpClientError.isHttpClientError(error)) return
    assert.strictEqual(error.reason._tag, "TransportError")
    assert.deepStrictEqual([error.reason.request.method, error.reason.request.url], ["GET", `${gone.url}/p`])
    assert.strictEqual((error.reason as { cause?: { code?: string } }).cause?.code, "ECONNREFUSED")
  })

  it("keeps a leading byte order mark of a URL-encoded body in the first name, as effect's fetch response does", async () => {
    const client = await freshAtlas<NodeHttpClientModule>("NodeHttpClient.ts")
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("a=1&b=2")])
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
      res.end(bytes)
    })
    try {
      const exit = await run(
        client,
        Effect.flatMap(HttpClient.get(`${server.url}/form`), (response) => response.urlParamsBody),
      )
      const expected: ReadonlyArray<readonly [string, string]> = [
        ["\uFEFFa", "1"],
        ["b", "2"],
      ]
      assert.deepStrictEqual<unknown>(Exit.isSuccess(exit) ? exit.value.params : exit, expected)
      const overFetch = await Effect.runPromise(
        HttpClientResponse.fromWeb(HttpClientRequest.get(server.url), new Response(bytes)).urlParamsBody,
      )
      assert.deepStrictEqual(overFetch.params, expected)
    } finally {
      await server.stop()
    }
  })

  it("fails a body read after its request's scope closed: the connection closed before the body ended", async () => {
    const client = await freshAtlas<NodeHttpClientModule>("NodeHttpClient.ts")
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "5" })
      res.end("hello")
    })
    try {
      const exit = await run(
        client,
        Effect.gen(function* () {
          const closed = server.connectionClosed()
          // The scope's end aborts the request: node drops the unread body and closes the connection.
          const response = yield* Effect.scoped(
            Effect.flatMap(HttpClient.HttpClient, (c) => HttpClient.withScope(c).get(`${server.url}/late`)),
          )
          yield* Effect.promise(() => closed)
          return yield* Effect.flip(response.text)
        }),
      )
      const error = Exit.isSuccess(exit) ? exit.value : undefined
      assert.strictEqual(error?.reason._tag, "DecodeError")
      assert.deepInclude((error?.reason as { cause?: object } | undefined)?.cause, {
        code: "ECONNRESET",
        message: "the connection closed before the response body ended",
      })
    } finally {
      await server.stop()
    }
  })
})

// -----------------------------------------------------------------------------
// FlexRestoreJobsLive
// -----------------------------------------------------------------------------

describe("FlexRestoreJobsLive loaded afresh", () => {
  const options = { auth: { accessToken: "tok" }, env: {}, retry: { maxAttempts: 1 } } as const
  const getOver = async (layer: Layer.Layer<FlexRestoreJobs, unknown>) =>
    Effect.runPromiseExit(
      Effect.provide(
        FlexRestoreJobs.use((jobs) => jobs.get(REF)),
        layer,
      ),
    )

  it.effect("layer: the service over the HttpClient in context asks for the versioned media type", () =>
    Effect.gen(function* () {
      const live = yield* Effect.promise(() => freshAtlas<LayerModule>("layer.ts"))
      const f = fake(() => json(200, JOB_BODY))
      const job = yield* FlexRestoreJobs.use((jobs) => jobs.get(REF)).pipe(
        Effect.provide(
          live.FlexRestoreJobsLive.layer({ ...options, baseUrl: "https://atlas.test" }).pipe(Layer.provide(f.layer)),
        ),
      )
      assert.deepStrictEqual(job, JOB_BODY)
      assert.deepStrictEqual(
        f.requests.map((r) => [r.url.pathname, r.headers["accept"], r.headers["authorization"]]),
        [[JOB_PATH, MEDIA_TYPE, "Bearer tok"]],
      )
    }),
  )

  it("layerNode: a job read over node:http, the server asked for the versioned media type", async () => {
    const live = await freshAtlas<LayerModule>("layer.ts")
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": MEDIA_TYPE })
      res.end(JSON.stringify(JOB_BODY))
    })
    try {
      const exit = await getOver(live.FlexRestoreJobsLive.layerNode({ ...options, baseUrl: server.url }))
      assert.deepStrictEqual(Exit.isSuccess(exit) ? exit.value : exit, JOB_BODY)
      assert.deepStrictEqual(
        server.seen.map((r) => [r.method, r.path, r.headers["accept"], r.headers["authorization"]]),
        [["GET", JOB_PATH, MEDIA_TYPE, "Bearer tok"]],
      )
    } finally {
      await server.stop()
    }
  })

  it("layerFetch: a redirect is not followed but fails as UnexpectedStatus, the target never asked", async () => {
    const live = await freshAtlas<LayerModule>("layer.ts")
    const server = await serve((req, res) => {
      if (req.url === "/elsewhere") {
        res.writeHead(200, { "content-type": MEDIA_TYPE })
        res.end(JSON.stringify(JOB_BODY))
      } else {
        res.writeHead(302, { location: "/elsewhere", "content-type": MEDIA_TYPE })
        res.end(JSON.stringify({ error: 302, errorCode: "MOVED" }))
      }
    })
    try {
      const exit = await getOver(live.FlexRestoreJobsLive.layerFetch({ ...options, baseUrl: server.url }))
      const error = failureOf(exit) as { _tag?: string; status?: number } | undefined
      assert.deepStrictEqual([error?._tag, error?.status], ["UnexpectedStatus", 302])
      assert.deepStrictEqual(
        server.seen.map((r) => [r.path, r.headers["accept"]]),
        [[JOB_PATH, MEDIA_TYPE]],
      )
    } finally {
      await server.stop()
    }
  })
})
