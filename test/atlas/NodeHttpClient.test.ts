/**
 * The node:http client's own response (no Web `Response` behind it) against
 * tiny loopback servers: every member of effect's `HttpClientResponse`, the
 * release of a socket whose body is abandoned, the body cap on chunked and
 * declared bodies over both transports, and the `ca` option.
 */
import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Exit, Fiber, ManagedRuntime, Option, Stream } from "effect"
import { HttpBody, HttpClient, HttpClientError, HttpClientRequest } from "effect/http"
import type { HttpClientResponse } from "effect/http"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import * as NodeHttpClient from "../../src/atlas/NodeHttpClient.js"
import { JOB_BODY, REF } from "./fake.js"
import { opensslCertificate } from "../../bench/opensslCertificate.js"

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void

interface TestServer {
  readonly url: string
  /** Responses whose connection closed before they were finished: the client gave up on them. */
  readonly abandoned: () => number
  /** Connections accepted so far, and how many of them have closed. */
  readonly connections: () => { readonly opened: number; readonly closed: number }
  readonly stop: () => Promise<void>
}

const serve = async (
  route: Route,
  create: (handler: Route) => http.Server = (h) => http.createServer(h),
): Promise<TestServer> => {
  let abandoned = 0
  const server = create((req, res) => {
    res.once("close", () => {
      if (!res.writableFinished) abandoned += 1
    })
    route(req, res)
  })
  let opened = 0
  let closed = 0
  server.on("connection", (socket) => {
    opened += 1
    socket.once("close", () => (closed += 1))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const scheme = server instanceof https.Server ? "https" : "http"
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    abandoned: () => abandoned,
    connections: () => ({ opened, closed }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Writes 1 KiB chunks until the client goes away. */
const endless =
  (headers: http.OutgoingHttpHeaders = {}): Route =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", ...headers })
    const timer = setInterval(() => res.write("x".repeat(1024)), 1)
    res.once("close", () => clearInterval(timer))
  }

/**
 * Polls `condition` until it holds, however long that takes: a busy machine
 * cannot fail it, and a condition that never holds fails by the test's timeout.
 */
const eventually = async (condition: () => boolean): Promise<boolean> => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5))
  return true
}

const withClient = <A, E>(
  effect: Effect.Effect<A, E, HttpClient.HttpClient>,
  options?: NodeHttpClient.NodeHttpClientOptions,
): Promise<Exit.Exit<A, E>> => Effect.runPromiseExit(Effect.provide(effect, NodeHttpClient.layer(options)))

const reasonOf = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  const e = error?._tag === "Fail" ? error.error : undefined
  return HttpClientError.isHttpClientError(e) ? e.reason._tag : String(e)
}

describe("NodeHttpClient response", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await serve((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname
      if (path === "/job") {
        res.setHeader("set-cookie", ["a=1; Path=/", "b=2; HttpOnly"])
        res.setHeader("x-multi", ["one", "two"])
        res.writeHead(201, { "content-type": "application/json", "X-Mixed-Case": "yes" })
        res.end(JSON.stringify({ ok: true, text: "héllo" }))
      } else if (path === "/form") {
        res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
        res.end("a=1&b=two+words")
      } else if (path === "/empty") {
        res.writeHead(204)
        res.end()
      } else if (path === "/truncated") {
        res.writeHead(200, { "content-length": "1000" })
        res.write("x".repeat(10))
        setTimeout(() => res.destroy(), 5)
      } else if (path === "/endless") {
        endless()(req, res)
      } else {
        res.writeHead(404)
        res.end()
      }
    })
  })
  afterAll(() => server.stop())

  it("has status, url without the hash, lower-cased headers, cookies and the remote address", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/job?q=1#fragment`)
        return {
          status: response.status,
          url: response.url,
          headers: { ...response.headers },
          cookies: Object.keys(response.cookies.cookies).sort(),
          remote: response.remoteAddress,
          json: yield* response.json,
          // Cached: the body is read once, every accessor sees it.
          text: yield* response.text,
          bytes: (yield* response.arrayBuffer).byteLength,
          inspected: response.toJSON() as { _id: string; status: number },
        }
      }),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    const r = exit.value
    expect(r.status).toBe(201)
    expect(r.url).toBe(`${server.url}/job?q=1`)
    expect(r.headers["x-mixed-case"]).toBe("yes")
    expect(r.headers["x-multi"]).toBe("one, two")
    expect(r.headers["set-cookie"]).toBe("a=1; Path=/, b=2; HttpOnly")
    expect(r.cookies).toStrictEqual(["a", "b"])
    expect(r.remote).toStrictEqual(Option.some("127.0.0.1"))
    expect(r.json).toStrictEqual({ ok: true, text: "héllo" })
    expect(r.text).toBe(JSON.stringify({ ok: true, text: "héllo" }))
    expect(r.bytes).toBe(Buffer.byteLength(r.text))
    expect(r.inspected._id).toBe("HttpClientResponse")
    expect(r.inspected.status).toBe(201)
  })

  it("streams the body once; a second read fails with a DecodeError", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/job`)
        const chunks = yield* Stream.runCollect(response.stream)
        const again = yield* Effect.exit(response.arrayBuffer)
        return { text: Buffer.concat(chunks).toString("utf8"), again }
      }),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(JSON.parse(exit.value.text)).toStrictEqual({ ok: true, text: "héllo" })
    expect(reasonOf(exit.value.again)).toBe("DecodeError")
  })

  it("reads URL-encoded bodies as URL parameters and form data", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/form`)
        const params = yield* response.urlParamsBody
        const form = yield* response.formData
        return { params, a: form.get("a"), b: form.get("b") }
      }),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value.params.params).toStrictEqual([
      ["a", "1"],
      ["b", "two words"],
    ])
    expect([exit.value.a, exit.value.b]).toStrictEqual(["1", "two words"])
  })

  it("has no body for 204 and HEAD: empty text, null JSON, and a stream that fails as fetch's does", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const empty = yield* client.get(`${server.url}/empty`)
        const head = yield* client.head(`${server.url}/job`)
        return {
          statuses: [empty.status, head.status],
          texts: [yield* empty.text, yield* head.text],
          json: yield* empty.json,
          stream: reasonOf(yield* Effect.exit(Stream.runCollect(head.stream))),
        }
      }),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value).toStrictEqual({ statuses: [204, 201], texts: ["", ""], json: null, stream: "EmptyBodyError" })
  })

  it("fails a body cut short with a DecodeError", async () => {
    const exit = await withClient(Effect.flatMap(HttpClient.get(`${server.url}/truncated`), (r) => r.text))
    expect(reasonOf(exit)).toBe("DecodeError")
  })

  it("cannot hand over an upgraded connection, like fetch", async () => {
    const exit = await withClient(Effect.flatMap(HttpClient.get(`${server.url}/job`), (r) => r.upgrade))
    expect(reasonOf(exit)).toBe("StatusCodeError")
  })

  it("destroys the connection when a stream stops before the body ends, even in a scope still open", async () => {
    const before = server.connections().closed
    let closedInScope = false
    const exit = await withClient(
      Effect.scoped(
        Effect.gen(function* () {
          // withScope: the request is aborted only when this scope closes, so
          // a close seen inside it is the stream's own doing.
          const client = HttpClient.withScope(yield* HttpClient.HttpClient)
          const response = yield* client.get(`${server.url}/endless`)
          const first = yield* Stream.runCollect(Stream.take(response.stream, 1))
          closedInScope = yield* Effect.promise(() => eventually(() => server.connections().closed > before))
          return first.length
        }),
      ),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(closedInScope).toBe(true)
  })
})

describe.each(["layerNode", "layerFetch"] as const)("body cap over %s", (transport) => {
  const lookup = (url: string, maxResponseBytes: number) => {
    const runtime = ManagedRuntime.make(
      FlexRestoreJobsLive[transport]({
        baseUrl: url,
        auth: { accessToken: "token" },
        env: {},
        maxResponseBytes,
        retry: { maxAttempts: 1 },
      }),
    )
    return runtime.runPromiseExit(FlexRestoreJobs.use((jobs) => jobs.get(REF))).finally(() => runtime.dispose())
  }
  const errorOf = (exit: Exit.Exit<unknown, unknown>) => {
    expect(Exit.isFailure(exit)).toBe(true)
    const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    return (reason?._tag === "Fail" ? reason.error : undefined) as { _tag: string; reason: string }
  }

  it("stops reading a chunked body as soon as it passes the cap, and closes the connection", async () => {
    const server = await serve(endless())
    try {
      const error = errorOf(await lookup(server.url, 4096))
      expect(error._tag).toBe("ResponseDecodeError")
      expect(error.reason).toContain("larger than 4096 bytes")
      expect(await eventually(() => server.abandoned() === 1)).toBe(true)
    } finally {
      await server.stop()
    }
  })

  it("refuses a declared size over the cap without reading it, and closes the connection", async () => {
    const server = await serve(endless({ "content-length": String(64 * 1024 * 1024) }))
    try {
      const error = errorOf(await lookup(server.url, 4096))
      expect(error._tag).toBe("ResponseDecodeError")
      expect(error.reason).toContain("larger than 4096 bytes")
      expect(await eventually(() => server.abandoned() === 1)).toBe(true)
    } finally {
      await server.stop()
    }
  })

  it("reads a chunked body under the cap", async () => {
    const body = JSON.stringify(JOB_BODY)
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      for (let i = 0; i < body.length; i += 100) res.write(body.slice(i, i + 100))
      res.end()
    })
    try {
      const exit = await lookup(server.url, body.length)
      expect(Exit.isSuccess(exit) ? exit.value.id : exit).toBe(JOB_BODY.id)
    } finally {
      await server.stop()
    }
  })

  it("maps a chunked body cut short to TransportError", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.write('{"id":')
      setTimeout(() => res.destroy(), 5)
    })
    try {
      const error = errorOf(await lookup(server.url, 4096))
      expect(error._tag).toBe("TransportError")
      expect(error.reason).toContain("reading the response of GET")
    } finally {
      await server.stop()
    }
  })
})

describe("NodeHttpClient ca", () => {
  const dir = mkdtempSync(join(tmpdir(), "node-http-ca-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const selfSigned = (name: string) => {
    const made = opensslCertificate(dir, name, {
      curve: "P-256",
      subject: `/CN=${name}`,
      subjectAltName: "IP:127.0.0.1,DNS:localhost",
    })
    return { key: made.keyPem, cert: made.certPem }
  }

  let server: TestServer
  let trusted: string
  let other: string
  beforeAll(async () => {
    const pair = selfSigned("server")
    trusted = pair.cert
    other = selfSigned("other").cert
    server = await serve(
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" })
        res.end("over tls")
      },
      (h) => https.createServer({ key: pair.key, cert: pair.cert }, h),
    )
  })
  afterAll(() => server.stop())

  const fetchText = (ca?: ReadonlyArray<string>) =>
    withClient(
      Effect.flatMap(HttpClient.get(server.url), (r: HttpClientResponse.HttpClientResponse) => r.text),
      ca === undefined ? {} : { ca },
    )

  it("trusts a self-signed server whose certificate is given", async () => {
    const exit = await fetchText([trusted])
    expect(Exit.isSuccess(exit) ? exit.value : exit).toBe("over tls")
  })

  it("refuses it without the option", async () => {
    expect(reasonOf(await fetchText())).toBe("TransportError")
  })

  it("trusts exactly the given certificates (they replace the default store)", async () => {
    expect(reasonOf(await fetchText([other]))).toBe("TransportError")
    const exit = await fetchText([other, trusted])
    expect(Exit.isSuccess(exit) ? exit.value : exit).toBe("over tls")
  })
})

/** A server that keeps an idle keep-alive socket open for a minute: only the client closes it sooner. */
const keepIdle = (handler: Route): http.Server => {
  const server = http.createServer(handler)
  server.keepAliveTimeout = 60_000
  return server
}

describe("NodeHttpClient details", () => {
  let server: TestServer
  const big = Array.from({ length: 40_000 }, (_, i) => String(i % 10)).join("") + "é".repeat(50_000)
  beforeAll(async () => {
    server = await serve((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname
      if (path === "/echo") {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          res.writeHead(200, { "content-type": "text/plain" })
          res.end(`${req.method} ${Buffer.concat(chunks).toString("utf8")}`)
        })
      } else if (path === "/big") {
        res.writeHead(200, { "content-type": "text/plain" })
        res.end(big)
      } else if (path === "/not-modified") {
        res.writeHead(304)
        res.end()
      } else if (path === "/empty") {
        res.writeHead(204)
        res.end()
      } else if (path === "/bom") {
        res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
        res.end("\uFEFFa=1")
      } else if (path === "/query") {
        res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
        res.end("?a=1")
      } else if (path === "/endless") {
        endless()(req, res)
      } else {
        res.writeHead(200, { "content-type": "text/plain" })
        res.end("plain text")
      }
    }, keepIdle)
  })
  afterAll(() => server.stop())

  /** The node message under a response (effect's client wraps it in an interruptible one). */
  const sourceOf = (response: HttpClientResponse.HttpClientResponse): http.IncomingMessage => {
    const inner = (response as unknown as { original?: unknown }).original ?? response
    return (inner as { source: http.IncomingMessage }).source
  }

  const descriptionOf = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
    if (Exit.isSuccess(exit)) return undefined
    const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
    const e = reason?._tag === "Fail" ? reason.error : undefined
    return HttpClientError.isHttpClientError(e) ? (e.reason as { description?: string }).description : undefined
  }

  it("reads a body of many chunks whole", async () => {
    const exit = await withClient(Effect.flatMap(HttpClient.get(`${server.url}/big`), (r) => r.text))
    expect(Exit.isSuccess(exit) ? exit.value === big : exit).toBe(true)
  })

  it("keeps the url of a request without a hash as is", async () => {
    const exit = await withClient(Effect.map(HttpClient.get(`${server.url}/plain`), (r) => r.url))
    expect(Exit.isSuccess(exit) ? exit.value : exit).toBe(`${server.url}/plain`)
  })

  it("has no body for 304 either", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/not-modified`)
        return {
          status: response.status,
          text: yield* response.text,
          stream: reasonOf(yield* Effect.exit(Stream.runCollect(response.stream))),
          description: descriptionOf(yield* Effect.exit(Stream.runCollect(response.stream))),
        }
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual({
      status: 304,
      text: "",
      stream: "EmptyBodyError",
      description: "can not create stream from empty body",
    })
  })

  it("reuses one keep-alive connection, also after an unread 204", async () => {
    const before = server.connections().opened
    const exit = await withClient(
      Effect.gen(function* () {
        yield* HttpClient.get(`${server.url}/empty`)
        const a = yield* Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.text)
        const b = yield* Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.text)
        return [a, b]
      }),
      { maxConnections: 1 },
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual(["plain text", "plain text"])
    expect(server.connections().opened - before).toBe(1)
  })

  it("opens at most maxConnections sockets", async () => {
    const before = server.connections().opened
    const exit = await withClient(
      Effect.all(
        Array.from({ length: 3 }, () => Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.text)),
        { concurrency: "unbounded" },
      ),
      { maxConnections: 1 },
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual(["plain text", "plain text", "plain text"])
    expect(server.connections().opened - before).toBe(1)
  })

  it("closes its sockets when the layer is released", async () => {
    const before = server.connections()
    const exit = await withClient(Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.text))
    expect(Exit.isSuccess(exit)).toBe(true)
    // The server keeps an idle socket for a minute (keepIdle): the close seen is the client's release.
    expect(await eventually(() => server.connections().closed - before.closed === 1)).toBe(true)
  })

  it("reads a stream once: a second stream, or bytes after the stream, fail as already read", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const streamed = yield* HttpClient.get(`${server.url}/plain`)
        const first = yield* Stream.runCollect(streamed.stream)
        const again = yield* Effect.exit(Stream.runCollect(streamed.stream))
        const bytes = yield* Effect.exit(streamed.arrayBuffer)
        const read = yield* HttpClient.get(`${server.url}/plain`)
        const text = yield* read.text
        const after = yield* Effect.exit(Stream.runCollect(read.stream))
        return {
          first: Buffer.concat(first).toString("utf8"),
          again: [reasonOf(again), descriptionOf(again)],
          bytes: [reasonOf(bytes), descriptionOf(bytes)],
          text,
          after: [reasonOf(after), descriptionOf(after)],
        }
      }),
    )
    const already = ["DecodeError", "the response body has already been read"]
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual({
      first: "plain text",
      again: already,
      bytes: already,
      text: "plain text",
      after: already,
    })
  })

  it("leaves no listener of its own on a response it has read, but the error guard", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/plain`)
        const source = sourceOf(response)
        const count = () => ["data", "end", "close", "error"].map((name) => source.listenerCount(name))
        const before = count()
        yield* response.text
        return { before, after: count() }
      }),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    // node's own listeners aside: the read's are gone, and the guard against late socket errors stays.
    expect(exit.value.after).toStrictEqual(exit.value.before)
    expect(exit.value.after[3]).toBe(1)
  })

  it("fails at once, with ECONNRESET, to read a body whose connection already closed", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/endless`)
        sourceOf(response).destroy()
        const failed = yield* Effect.flip(response.text)
        const cause = (failed.reason as { cause?: { code?: string; message?: string } }).cause
        return [failed.reason._tag, cause?.code, cause?.message]
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual([
      "DecodeError",
      "ECONNRESET",
      "the connection closed before the response body ended",
    ])
  })

  it("fails a stream over a body whose connection failed with a DecodeError", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/endless`)
        sourceOf(response).destroy(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))
        return reasonOf(yield* Effect.exit(Stream.runCollect(response.stream)))
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toBe("DecodeError")
  })

  it("destroys the connection when a read of the whole body is interrupted", async () => {
    const before = server.connections().closed
    let closedInScope = false
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/endless`)
        const fiber = yield* Effect.forkChild(response.text)
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 10)))
        yield* Fiber.interrupt(fiber)
        closedInScope = yield* Effect.promise(() => eventually(() => server.connections().closed > before))
      }),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(closedInScope).toBe(true)
  })

  it("fails JSON and form data that do not parse with a DecodeError", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const json = yield* Effect.exit(Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.json))
        const form = yield* Effect.exit(Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.formData))
        return [reasonOf(json), reasonOf(form)]
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual(["DecodeError", "DecodeError"])
  })

  it("keeps a leading byte order mark and a leading '?' in URL parameters", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const bom = yield* Effect.flatMap(HttpClient.get(`${server.url}/bom`), (r) => r.urlParamsBody)
        const query = yield* Effect.flatMap(HttpClient.get(`${server.url}/query`), (r) => r.urlParamsBody)
        return [bom.params, query.params]
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual([[["\uFEFFa", "1"]], [["?a", "1"]]])
  })

  it("describes why it cannot upgrade", async () => {
    const exit = await withClient(Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.upgrade))
    expect(descriptionOf(exit)).toBe("this node:http client cannot hand over the connection of an HTTP upgrade")
  })

  it("sends byte and raw string bodies, and refuses other bodies before sending", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const post = (body: HttpBody.HttpBody) =>
          client.execute(HttpClientRequest.setBody(HttpClientRequest.post(`${server.url}/echo`), body))
        const bytes = yield* Effect.flatMap(post(HttpBody.text("as bytes")), (r) => r.text)
        const raw = yield* Effect.flatMap(post(HttpBody.raw("as raw")), (r) => r.text)
        const rawBytes = yield* Effect.flatMap(post(HttpBody.raw(new TextEncoder().encode("raw bytes"))), (r) => r.text)
        const rawOther = yield* Effect.exit(post(HttpBody.raw({ not: "bytes" })))
        const form = yield* Effect.exit(post(HttpBody.formData(new FormData())))
        return { bytes, raw, rawBytes, rawOther: descriptionOf(rawOther), form: [reasonOf(form), descriptionOf(form)] }
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual({
      bytes: "POST as bytes",
      raw: "POST as raw",
      rawBytes: "POST raw bytes",
      rawOther: "unsupported request body (Raw)",
      form: ["EncodeError", "unsupported request body (FormData)"],
    })
  })
})

describe("NodeHttpClient, exactly", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await serve((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname
      if (path === "/endless") endless()(req, res)
      else if (path === "/empty") {
        res.writeHead(204)
        res.end()
      } else {
        res.writeHead(200, { "content-type": "text/plain" })
        res.end("plain text")
      }
    }, keepIdle)
  })
  afterAll(() => server.stop())

  /** effect's client wraps the response; its `original` is this module's own. */
  const ownOf = (response: HttpClientResponse.HttpClientResponse): HttpClientResponse.HttpClientResponse =>
    (response as unknown as { original?: HttpClientResponse.HttpClientResponse }).original ?? response
  const sourceOf = (response: HttpClientResponse.HttpClientResponse): http.IncomingMessage =>
    (ownOf(response) as unknown as { source: http.IncomingMessage }).source
  const failureOf = (exit: Exit.Exit<unknown, unknown>) => {
    const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    const e = reason?._tag === "Fail" ? reason.error : undefined
    return HttpClientError.isHttpClientError(e) ? e.reason : undefined
  }
  const listeners = (source: http.IncomingMessage) =>
    ["data", "end", "close", "error"].map((name) => source.listenerCount(name))

  it("holds a body unread (paused) until asked, and drains a body-less response at once", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const plain = sourceOf(yield* HttpClient.get(`${server.url}/plain`))
        const flowing = plain.readableFlowing
        const empty = sourceOf(yield* HttpClient.get(`${server.url}/empty`))
        return [flowing, empty.readableFlowing]
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual([null, true])
  })

  it("pipes itself, and has no cookies when none were set", async () => {
    const exit = await withClient(
      Effect.map(HttpClient.get(`${server.url}/plain`), (response) =>
        ownOf(response).pipe((own) => [own.status, Object.keys(own.cookies.cookies)]),
      ),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual([200, []])
  })

  it("fails a read begun after the connection's close was seen, at once", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/endless`)
        const source = sourceOf(response)
        yield* Effect.promise(() => {
          const closed = new Promise((resolve) => source.once("close", resolve))
          source.destroy()
          return closed
        })
        return failureOf(yield* Effect.exit(response.text))
      }),
    )
    const reason = Exit.isSuccess(exit) ? exit.value : undefined
    expect(reason?._tag).toBe("DecodeError")
    expect((reason as { cause?: Error } | undefined)?.cause?.message).toBe(
      "the connection closed before the response body ended",
    )
  })

  it("fails a read whose message is destroyed midway without an error as a premature close", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/endless`)
        const source = sourceOf(response)
        const fiber = yield* Effect.forkChild(Effect.exit(response.text))
        yield* Effect.promise(() => eventually(() => source.listenerCount("data") > 0))
        source.destroy()
        return failureOf(yield* Fiber.join(fiber))
      }),
    )
    const reason = Exit.isSuccess(exit) ? exit.value : undefined
    expect(reason?._tag).toBe("DecodeError")
    expect((reason as { cause?: { code?: string; message?: string } } | undefined)?.cause).toMatchObject({
      code: "ECONNRESET",
      message: "the connection closed before the response body ended",
    })
  })

  it("destroys its own message, listeners removed, when a read of the whole body is interrupted", async () => {
    const exit = await withClient(
      Effect.gen(function* () {
        const own = ownOf(yield* HttpClient.get(`${server.url}/endless`))
        const source = sourceOf(own)
        const before = listeners(source)
        const fiber = yield* Effect.forkChild(own.text)
        yield* Effect.promise(() => eventually(() => source.listenerCount("data") > 0))
        yield* Fiber.interrupt(fiber)
        return { destroyed: source.destroyed, same: listeners(source).join() === before.join() }
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual({ destroyed: true, same: true })
  })

  it("keeps an idle connection for the next request (keep-alive)", async () => {
    const before = server.connections().opened
    const exit = await withClient(
      Effect.gen(function* () {
        const a = yield* Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.text)
        // Long enough for the agent to free the socket: without keep-alive it would close it then.
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
        const b = yield* Effect.flatMap(HttpClient.get(`${server.url}/plain`), (r) => r.text)
        return [a, b]
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toStrictEqual(["plain text", "plain text"])
    expect(server.connections().opened - before).toBe(1)
  })

  it("has seen its sockets close by the time the layer is released", async () => {
    let closeSeen = false
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(`${server.url}/plain`)
        sourceOf(response).socket.once("close", () => (closeSeen = true))
        return yield* response.text
      }),
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toBe("plain text")
    expect(closeSeen).toBe(true)
  })

  it("fails to connect with a TransportError holding the request and the socket's error", async () => {
    const gone = await serve((_req, res) => res.end())
    await gone.stop()
    const exit = await withClient(
      Effect.gen(function* () {
        const request = HttpClientRequest.get(`${gone.url}/p`)
        const failed = yield* Effect.flip((yield* HttpClient.HttpClient).execute(request))
        return { same: [failed.reason.request.method, failed.reason.request.url], reason: failed.reason }
      }),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value.same).toStrictEqual(["GET", `${gone.url}/p`])
    expect(exit.value.reason._tag).toBe("TransportError")
    expect((exit.value.reason as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED")
  })
})

/** An https server on 127.0.0.1 with a fresh self-signed certificate (kept alive a minute), and that certificate. */
const serveTls = async (dir: string, name: string, handler: http.RequestListener) => {
  const made = opensslCertificate(dir, name, { curve: "P-256", subject: `/CN=${name}`, subjectAltName: "IP:127.0.0.1" })
  const server = await serve(handler, (h) => {
    const s = https.createServer({ key: made.keyPem, cert: made.certPem }, h)
    s.keepAliveTimeout = 60_000
    return s
  })
  return { server, cert: made.certPem }
}

describe("NodeHttpClient release over https", () => {
  const dir = mkdtempSync(join(tmpdir(), "node-http-release-"))
  let server: TestServer
  let cert: string
  beforeAll(async () => {
    ;({ server, cert } = await serveTls(dir, "release", (_req, res) => res.end("over tls")))
  })
  afterAll(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it("has seen its TLS sockets close by the time the layer is released", async () => {
    let closeSeen = false
    const exit = await withClient(
      Effect.gen(function* () {
        const response = yield* HttpClient.get(server.url)
        const own = (response as unknown as { original?: unknown }).original ?? response
        ;(own as { source: http.IncomingMessage }).source.socket.once("close", () => (closeSeen = true))
        return yield* response.text
      }),
      { ca: [cert] },
    )
    expect(Exit.isSuccess(exit) ? exit.value : exit).toBe("over tls")
    expect(closeSeen).toBe(true)
  })
})

describe("layerNode hands its options to the client", () => {
  const dir = mkdtempSync(join(tmpdir(), "layer-node-ca-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  let server: TestServer
  let trusted: string
  const job = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "application/vnd.atlas.2024-11-13+json" })
    res.end(JSON.stringify(JOB_BODY))
  }
  beforeAll(async () => {
    ;({ server, cert: trusted } = await serveTls(dir, "layer-node", job))
  })
  afterAll(() => server.stop())

  const getOver = async (layer: ReturnType<typeof FlexRestoreJobsLive.layerNode>) => {
    const runtime = ManagedRuntime.make(layer)
    const exit = await runtime.runPromiseExit(FlexRestoreJobs.use((jobs) => jobs.get(REF)))
    await runtime.dispose()
    return Exit.isSuccess(exit) ? exit.value.id : reasonOf(exit)
  }
  const options = { auth: { accessToken: "token" }, env: {}, retry: { maxAttempts: 1 } }

  it("reads over TLS from a server whose certificate is given as ca, and refuses it without", async () => {
    expect(await getOver(FlexRestoreJobsLive.layerNode({ ...options, baseUrl: server.url, ca: [trusted] }))).toBe(
      JOB_BODY.id,
    )
    // Node 24 appends its own hint ("; if the root CA is installed locally, try running Node.js with --use-system-ca").
    const refused = String(await getOver(FlexRestoreJobsLive.layerNode({ ...options, baseUrl: server.url })))
    expect(refused.split("; ")[0]).toBe(
      `TransportError: Transport error: GET ${server.url}/api/atlas/v2/groups/${REF.groupId}/flexClusters/${REF.name}` +
        `/backup/restoreJobs/${REF.restoreJobId}: self-signed certificate`,
    )
  })

  it("NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn the certificate check off: refused, the token never sent", async () => {
    const seen: Array<string | undefined> = []
    const { server: strict, cert } = await serveTls(dir, "reject-unauthorized", (req, res) => {
      seen.push(req.headers.authorization)
      job(req, res)
    })
    const saved = process.env["NODE_TLS_REJECT_UNAUTHORIZED"]
    process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0"
    try {
      expect(String(await getOver(FlexRestoreJobsLive.layerNode({ ...options, baseUrl: strict.url })))).toContain(
        "self-signed certificate",
      )
      expect(seen).toEqual([])
      // The supported way: trust the certificate (or its authority) explicitly.
      expect(await getOver(FlexRestoreJobsLive.layerNode({ ...options, baseUrl: strict.url, ca: [cert] }))).toBe(
        JOB_BODY.id,
      )
      expect(seen).toEqual(["Bearer token"])
    } finally {
      if (saved === undefined) delete process.env["NODE_TLS_REJECT_UNAUTHORIZED"]
      else process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = saved
      await strict.stop()
    }
  })

  it("without options reads credentials and base URL from the environment", async () => {
    const plain = await serve(job)
    const saved = { ...process.env }
    try {
      for (const key of Object.keys(process.env)) if (/^(MONGODB_ATLAS_|MCLI_)/.test(key)) delete process.env[key]
      process.env["MONGODB_ATLAS_ACCESS_TOKEN"] = "env-token"
      process.env["MONGODB_ATLAS_BASE_URL"] = plain.url
      expect(await getOver(FlexRestoreJobsLive.layerNode())).toBe(JOB_BODY.id)
      expect(plain.connections().opened).toBe(1)
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
      await plain.stop()
    }
  })
})
