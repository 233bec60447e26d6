import dns from "node:dns"
import * as http2 from "node:http2"
import * as https from "node:https"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as grpc from "@grpc/grpc-js"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { makeServerCertificate } from "../../../src/provider/host/Certificate.js"
import type { ServerCertificate } from "../../../src/provider/host/Certificate.js"
import { GrpcServer, parseTimeout, percentEncode, Status, unaryMethod } from "../../../src/provider/host/GrpcServer.js"
import type { UnaryCall } from "../../../src/provider/host/GrpcServer.js"
import { healthDefinition } from "../../../src/provider/host/GoPluginServices.js"
import { clientCertificate } from "../pluginProcess.js"
import type { KeyPair } from "../pluginProcess.js"

// A service over raw bytes: what the transport does, apart from any protobuf.
const method = (name: string) => ({
  path: `/test.Echo/${name}`,
  requestStream: false as const,
  responseStream: false as const,
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
  originalName: name,
})
const echo = {
  Echo: method("Echo"),
  Hang: method("Hang"),
  Fail: method("Fail"),
  Missing: method("Missing"),
  // A request its codec refuses, and an answer its codec refuses.
  Undecodable: {
    ...method("Undecodable"),
    requestDeserialize: (b: Buffer): Buffer => {
      throw new Error(`bad field\n  at byte ${b.length}`)
    },
  },
  Unencodable: {
    ...method("Unencodable"),
    responseSerialize: (): Buffer => {
      throw new Error("no wire type for this answer")
    },
  },
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The calls the handlers saw, to check their signals. */
const seen: Array<UnaryCall> = []
const handlers = {
  Echo: (request: Buffer, call: UnaryCall) => {
    seen.push(call)
    return Buffer.concat([Buffer.from("echo:"), request])
  },
  // Answers only when its signal aborts, or after `ms` given as the request.
  Hang: (request: Buffer, call: UnaryCall) => {
    seen.push(call)
    const ms = Number(request.toString() || "60000")
    return new Promise<Buffer>((resolve) => {
      const timer = setTimeout(() => resolve(Buffer.from("late")), ms)
      call.signal.addEventListener("abort", () => {
        clearTimeout(timer)
        resolve(Buffer.from("aborted"))
      })
    })
  },
  Fail: (request: Buffer) => {
    throw new Error(request.toString())
  },
  Undecodable: (request: Buffer) => request,
  Unencodable: (request: Buffer) => request,
}

let dir: string
let client: KeyPair
let other: KeyPair
let certificate: ServerCertificate
const servers: Array<GrpcServer> = []
const errors: Array<string> = []

const start = async (tls = true) => {
  const server = new GrpcServer({
    ...(tls ? { tls: { cert: certificate.certPem, key: certificate.keyPem, ca: client.certPem } } : {}),
    onError: (error, where) => errors.push(`${where}: ${error.message}`),
  })
  server.addService(echo, handlers)
  server.addService(healthDefinition, { Check: () => ({ status: "SERVING" }) })
  servers.push(server)
  return { server, port: await server.listen("127.0.0.1") }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "grpc-server-"))
  client = clientCertificate(dir)
  other = clientCertificate(dir, "other")
  certificate = makeServerCertificate()
})
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop(50)))
  rmSync(dir, { recursive: true, force: true })
})

const grpcClient = (
  port: number,
  who: KeyPair | "none" | "plaintext" = client,
  options: object = {},
  definition: object = echo,
) => {
  const credentials =
    who === "plaintext"
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(
          Buffer.from(certificate.certPem),
          who === "none" ? null : Buffer.from(who.keyPem),
          who === "none" ? null : Buffer.from(who.certPem),
        )
  const Ctor = grpc.makeGenericClientConstructor(definition as grpc.ServiceDefinition, "Service")
  return new Ctor(`127.0.0.1:${port}`, credentials, {
    "grpc.ssl_target_name_override": "localhost",
    ...options,
  }) as grpc.Client & Record<string, Function>
}

const unary = (c: grpc.Client & Record<string, Function>, name: string, request: Buffer, options: object = {}) => {
  let call: grpc.ClientUnaryCall | undefined
  const result = new Promise<Buffer>((resolve, reject) => {
    call = c[name]!(request, options, (error: Error | null, response: Buffer) =>
      error ? reject(error) : resolve(response),
    )
  })
  result.catch(() => {})
  return { result, cancel: () => call!.cancel() }
}

const frame = (payload: Buffer, flag = 0) => {
  const prefix = Buffer.alloc(5)
  prefix[0] = flag
  prefix.writeUInt32BE(payload.length, 1)
  return Buffer.concat([prefix, payload])
}

interface RawAnswer {
  readonly headers: http2.IncomingHttpHeaders
  readonly trailers: http2.IncomingHttpHeaders | undefined
  readonly body: Buffer
}

/** A mutual-TLS HTTP/2 connection to the test server, as a client holding the certificate. */
const connect = (port: number) =>
  http2.connect(`https://127.0.0.1:${port}`, {
    ca: certificate.certPem,
    cert: client.certPem,
    key: client.keyPem,
    servername: "localhost",
  })

/** A gRPC POST on `session`, its body left to write. */
const grpcRequest = (session: http2.ClientHttp2Session, path: string, headers: http2.OutgoingHttpHeaders = {}) =>
  session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers })

/** One request over raw HTTP/2 (mutual TLS), for what a gRPC library would not send. */
const raw = (
  port: number,
  path: string,
  body: ReadonlyArray<Buffer>,
  headers: http2.OutgoingHttpHeaders = {},
  /** Pause between the writes, so that each is its own DATA frame. */
  pauseMillis = 0,
) =>
  new Promise<RawAnswer>((resolve, reject) => {
    const session = connect(port)
    session.on("error", reject)
    const request = grpcRequest(session, path, headers)
    let answer: http2.IncomingHttpHeaders = {}
    let trailers: http2.IncomingHttpHeaders | undefined
    const chunks: Array<Buffer> = []
    request.on("response", (h) => (answer = h))
    request.on("trailers", (t) => (trailers = t))
    request.on("data", (d: Buffer) => chunks.push(d))
    request.on("error", () => {})
    request.on("close", () => {
      session.close()
      resolve({ headers: answer, trailers, body: Buffer.concat(chunks) })
    })
    if (pauseMillis === 0) {
      for (const b of body) request.write(b)
      request.end()
      return
    }
    void (async () => {
      for (const b of body) {
        request.write(b)
        await sleep(pauseMillis)
      }
      request.end()
    })()
  })

describe("GrpcServer over mutual TLS, with a grpc-js client", () => {
  it("answers a unary call: one message, then grpc-status 0 in the trailers", async () => {
    const { port } = await start()
    const c = grpcClient(port)
    expect((await unary(c, "Echo", Buffer.from("hi")).result).toString()).toBe("echo:hi")
    // An empty message is a message too.
    expect((await unary(c, "Echo", Buffer.alloc(0)).result).toString()).toBe("echo:")
    c.close()
    const answer = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("x"))])
    expect(answer.headers[":status"]).toBe(200)
    expect(answer.headers["content-type"]).toBe("application/grpc+proto")
    expect(answer.body).toEqual(frame(Buffer.from("echo:x")))
    expect(answer.trailers?.["grpc-status"]).toBe("0")
  })

  it("settles a call's `closed` once its answer is out, not before (the plugin exits on it after Shutdown)", async () => {
    const { port } = await start()
    const c = grpcClient(port)
    seen.length = 0
    const call = unary(c, "Hang", Buffer.from("100"))
    while (seen.length === 0) await sleep(5)
    const order: Array<string> = []
    void (seen[0] as UnaryCall).closed.then(() => order.push("closed"))
    await sleep(30)
    expect(order).toEqual([])
    expect((await call.result).toString()).toBe("late")
    await sleep(20)
    expect(order).toEqual(["closed"])
    c.close()
  })

  it("serves the protocol's definitions (the health service)", async () => {
    const { port } = await start()
    const h = grpcClient(port, client, {}, healthDefinition)
    const answer = await new Promise((resolve, reject) =>
      h["Check"]!({ service: "plugin" }, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))),
    )
    expect(answer).toEqual({ status: "SERVING" })
    h.close()
  })

  it("answers UNIMPLEMENTED for an unknown method, unary or streaming (Terraform probes GRPCStdio)", async () => {
    const { port } = await start()
    const c = grpcClient(port)
    await expect(unary(c, "Missing", Buffer.from("x")).result).rejects.toMatchObject({
      code: grpc.status.UNIMPLEMENTED,
      details: "unknown method /test.Echo/Missing",
    })
    const stream = c.makeServerStreamRequest(
      "/plugin.GRPCStdio/StreamStdio",
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
    )
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      stream.on("error", () => {})
      stream.on("status", resolve)
    })
    expect(status.code).toBe(grpc.status.UNIMPLEMENTED)
    c.close()
  })

  it("answers UNKNOWN with the message of a handler that throws, percent-encoded on the wire", async () => {
    const { port } = await start()
    const message = "café 100% ✓\nnext line"
    const c = grpcClient(port)
    await expect(unary(c, "Fail", Buffer.from(message)).result).rejects.toMatchObject({
      code: grpc.status.UNKNOWN,
      details: message,
    })
    c.close()
    const answer = await raw(port, "/test.Echo/Fail", [frame(Buffer.from(message))])
    // Trailers-Only: the status comes in the one HEADERS frame.
    expect(answer.headers[":status"]).toBe(200)
    expect(answer.headers["grpc-status"]).toBe(String(Status.UNKNOWN))
    expect(answer.headers["grpc-message"]).toBe("caf%C3%A9 100%25 %E2%9C%93%0Anext line")
    expect(answer.trailers).toBeUndefined()
  })

  it("refuses a request over 4 MiB with RESOURCE_EXHAUSTED, and serves one at the limit", async () => {
    const { port } = await start()
    const c = grpcClient(port, client, { "grpc.max_receive_message_length": -1 })
    await expect(unary(c, "Echo", Buffer.alloc(4 * 1024 * 1024 + 1)).result).rejects.toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
    })
    // The limit is on the request: the answer is 5 bytes larger.
    expect((await unary(c, "Echo", Buffer.alloc(4 * 1024 * 1024)).result).length).toBe(4 * 1024 * 1024 + 5)
    c.close()
  })

  it("aborts the handler's signal when the client cancels, and keeps serving", async () => {
    const { port } = await start()
    const c = grpcClient(port)
    const before = seen.length
    const call = unary(c, "Hang", Buffer.from(""))
    while (seen.length === before) await sleep(5)
    const signal = seen.at(-1)!.signal
    expect(signal.aborted).toBe(false)
    call.cancel()
    await expect(call.result).rejects.toMatchObject({ code: grpc.status.CANCELLED })
    while (!signal.aborted) await sleep(5)
    // The handler answered after the stream was gone: nothing broke.
    await sleep(20)
    expect((await unary(c, "Echo", Buffer.from("again")).result).toString()).toBe("echo:again")
    c.close()
  })

  it("honours grpc-timeout: the signal aborts and the answer is DEADLINE_EXCEEDED", async () => {
    const { port } = await start()
    const before = seen.length
    const answer = await raw(port, "/test.Echo/Hang", [frame(Buffer.from(""))], { "grpc-timeout": "50m" })
    expect(answer.headers["grpc-status"]).toBe(String(Status.DEADLINE_EXCEEDED))
    expect(seen.at(-1)!.signal.aborted).toBe(true)
    expect(seen.length).toBe(before + 1)
    // A grpc-js deadline arrives as grpc-timeout too.
    const c = grpcClient(port)
    await expect(unary(c, "Hang", Buffer.from(""), { deadline: Date.now() + 100 }).result).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    })
    while (!seen.at(-1)!.signal.aborted) await sleep(5)
    // A call within its deadline is unaffected.
    const fast = unary(c, "Echo", Buffer.from("ok"), { deadline: Date.now() + 10_000 })
    expect((await fast.result).toString()).toBe("echo:ok")
    c.close()
  })

  it("refuses a client without the certificate, or with another one (TLS)", async () => {
    const { port } = await start()
    for (const who of ["none", other] as const) {
      const c = grpcClient(port, who)
      await expect(unary(c, "Echo", Buffer.from("x"), { deadline: Date.now() + 5000 }).result).rejects.toMatchObject({
        code: grpc.status.UNAVAILABLE,
      })
      c.close()
    }
    const refusal = (who: KeyPair | undefined) =>
      new Promise<string>((resolve) => {
        const session = http2.connect(`https://127.0.0.1:${port}`, {
          ca: certificate.certPem,
          servername: "localhost",
          ...(who ? { cert: who.certPem, key: who.keyPem } : {}),
        })
        // Everything the client hears, until a moment after the first sign.
        const heard: Array<string> = []
        const hear = (what: string) => {
          if (heard.push(what) === 1) setTimeout(() => (session.destroy(), resolve(heard.join("; "))), 50)
        }
        session.on("error", (e) => hear(e.message))
        session.on("close", () => hear("closed"))
        const request = session.request({ ":method": "POST", ":path": "/test.Echo/Echo" })
        request.on("error", (e) => hear(e.message))
        request.on("response", () => hear("served"))
        request.end()
      })
    expect(await refusal(client)).toContain("served")
    expect(await refusal(undefined)).toMatch(/certificate required/)
    // Node closes the connection of a client whose certificate does not verify, without an alert.
    expect(await refusal(other)).not.toContain("served")
    expect(errors.some((e) => e.startsWith("tls:"))).toBe(true)
  })

  it("serves plaintext HTTP/2 with prior knowledge when no TLS is given (the debug mode)", async () => {
    const { port } = await start(false)
    const c = grpcClient(port, "plaintext")
    expect((await unary(c, "Echo", Buffer.from("h2c")).result).toString()).toBe("echo:h2c")
    c.close()
  })
})

describe("GrpcServer's wire rules, over raw HTTP/2", () => {
  let port: number
  beforeAll(async () => {
    port = (await start()).port
  })

  it("answers HTTP 415 to a content-type that is not gRPC, and 405 to a method other than POST", async () => {
    const json = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("x"))], { "content-type": "application/json" })
    expect(json.headers[":status"]).toBe(415)
    expect(json.headers["grpc-status"]).toBeUndefined()
    const get = await raw(port, "/test.Echo/Echo", [], { ":method": "GET" })
    expect(get.headers[":status"]).toBe(405)
    // "application/grpc" with any suffix is gRPC.
    const suffixed = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("y"))], {
      "content-type": "application/grpc+proto",
    })
    expect(suffixed.trailers?.["grpc-status"]).toBe("0")
  })

  it("answers UNIMPLEMENTED to a compressed message, INTERNAL to the flag without an encoding", async () => {
    const gzip = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("x"), 1)], { "grpc-encoding": "gzip" })
    expect(gzip.headers["grpc-status"]).toBe(String(Status.UNIMPLEMENTED))
    expect(gzip.headers["grpc-message"]).toBe("compression is not supported")
    expect(gzip.headers["grpc-accept-encoding"]).toBe("identity")
    for (const headers of [{}, { "grpc-encoding": "identity" }]) {
      const flagged = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("x"), 1)], headers)
      expect(flagged.headers["grpc-status"]).toBe(String(Status.INTERNAL))
    }
    // The header alone, on an uncompressed message, is fine.
    const plain = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("x"))], { "grpc-encoding": "gzip" })
    expect(plain.trailers?.["grpc-status"]).toBe("0")
  })

  it("answers INTERNAL to a truncated message, two messages, or none", async () => {
    const whole = frame(Buffer.from("hello"))
    const cases: Record<string, Array<Buffer>> = {
      "truncated message": [whole.subarray(0, whole.length - 2)],
      "truncated prefix": [whole.subarray(0, 3)],
      "two messages": [whole, frame(Buffer.from("again"))],
      none: [],
    }
    for (const [name, body] of Object.entries(cases)) {
      const answer = await raw(port, "/test.Echo/Echo", body)
      expect([name, answer.headers["grpc-status"]]).toEqual([name, String(Status.INTERNAL)])
    }
    // A message split over many DATA frames is one message.
    const split = await raw(
      port,
      "/test.Echo/Echo",
      [...whole].map((b) => Buffer.from([b])),
    )
    expect(split.body).toEqual(frame(Buffer.from("echo:hello")))
  })

  it("refuses an oversized message from its length prefix alone, without reading it", async () => {
    const prefix = Buffer.from([0, 0, 0x40, 0, 1]) // 4 MiB + 1
    const answer = await raw(port, "/test.Echo/Echo", [prefix])
    expect(answer.headers["grpc-status"]).toBe(String(Status.RESOURCE_EXHAUSTED))
  })

  it("answers INTERNAL to a malformed grpc-timeout", async () => {
    const answer = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("x"))], { "grpc-timeout": "1x" })
    expect(answer.headers["grpc-status"]).toBe(String(Status.INTERNAL))
  })

  it("survives a stream reset before the request is complete", async () => {
    const session = connect(port)
    const request = grpcRequest(session, "/test.Echo/Echo")
    request.on("error", () => {})
    request.write(Buffer.from([0, 0, 0]))
    request.close(http2.constants.NGHTTP2_CANCEL)
    await new Promise((r) => request.on("close", r))
    session.destroy()
    const answer = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("z"))])
    expect(answer.body).toEqual(frame(Buffer.from("echo:z")))
  })
})

describe("GrpcServer's refusals, each with its status and grpc-message", () => {
  let port: number
  beforeAll(async () => {
    port = (await start()).port
  })
  const refusal = async (path: string, body: ReadonlyArray<Buffer>, headers: http2.OutgoingHttpHeaders = {}) => {
    const answer = await raw(port, path, body, headers)
    return [answer.headers["grpc-status"], answer.headers["grpc-message"]]
  }
  const whole = frame(Buffer.from("hello"))

  it("names the rule a request broke", async () => {
    const at = "/test.Echo/Echo"
    expect(await refusal(at, [whole], { "grpc-timeout": "1x" })).toEqual(["13", "malformed grpc-timeout 1x"])
    // The unit ends the value: "1mx" is not one millisecond.
    expect(await refusal(at, [whole], { "grpc-timeout": "1mx" })).toEqual(["13", "malformed grpc-timeout 1mx"])
    expect(await refusal(at, [])).toEqual(["13", "no request message"])
    expect(await refusal(at, [whole.subarray(0, 7)])).toEqual(["13", "truncated request message"])
    expect(await refusal(at, [whole, whole])).toEqual(["13", "more than one request message in a unary call"])
    expect(await refusal(at, [frame(Buffer.from("x"), 1)])).toEqual([
      "13",
      "compressed flag 1 on a message with grpc-encoding identity",
    ])
    // Only flag 1 means compressed: flag 2 is malformed whatever the encoding.
    expect(await refusal(at, [frame(Buffer.from("x"), 2)], { "grpc-encoding": "gzip" })).toEqual([
      "13",
      "compressed flag 2 on a message with grpc-encoding gzip",
    ])
    expect(await refusal(at, [Buffer.from([0, 0, 0x40, 0, 1])])).toEqual([
      "8",
      "request message of 4194305 bytes is larger than the limit of 4194304",
    ])
    expect(await refusal("/test.Echo/Hang", [frame(Buffer.from("60000"))], { "grpc-timeout": "20m" })).toEqual([
      "4",
      "deadline exceeded",
    ])
  })

  it("answers INTERNAL, on one line, when a message cannot be decoded or an answer encoded", async () => {
    expect(await refusal("/test.Echo/Undecodable", [whole])).toEqual([
      "13",
      "the request message could not be decoded: bad field at byte 5",
    ])
    expect(await refusal("/test.Echo/Unencodable", [whole])).toEqual([
      "13",
      "the response message could not be encoded: no wire type for this answer",
    ])
  })

  it("cuts a long grpc-message at 1,024 characters", async () => {
    const [, message] = await refusal("/test.Echo/Fail", [frame(Buffer.from("x".repeat(3000)))])
    expect(message).toBe("x".repeat(1024))
  })

  it("serves a call whose grpc-timeout is longer than a timer can wait, as one with no deadline", async () => {
    const answer = await raw(port, "/test.Echo/Hang", [frame(Buffer.from("30"))], { "grpc-timeout": "99999999H" })
    expect(answer.trailers?.["grpc-status"]).toBe("0")
    expect(answer.body).toEqual(frame(Buffer.from("late")))
  })

  it("tells a non-POST client to POST (HTTP 405 with Allow), and a non-gRPC one nothing more (415)", async () => {
    const get = await raw(port, "/test.Echo/Echo", [], { ":method": "GET" })
    expect([get.headers[":status"], get.headers["allow"]]).toEqual([405, "POST"])
    const json = await raw(port, "/test.Echo/Echo", [whole], { "content-type": "application/json" })
    expect([json.headers[":status"], json.headers["allow"]]).toEqual([415, undefined])
  })

  it("refuses a handler for a method it was not given", () => {
    expect(() => new GrpcServer().addService(echo, { Nope: () => Buffer.alloc(0) })).toThrow("no method Nope to serve")
  })

  it("refuses an HTTP/1.1 client over TLS with 403: gRPC is HTTP/2 only", async () => {
    // A server of its own: the TLS options are set when it is made, which this test judges.
    const { port } = await start()
    const options: https.RequestOptions = {
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/test.Echo/Echo",
      ca: certificate.certPem,
      cert: client.certPem,
      key: client.keyPem,
      servername: "localhost",
    }
    const status = await new Promise<string>((resolve) => {
      const req = https.request(options, (res) => resolve(`served ${res.statusCode}`))
      req.on("error", (e) => resolve(`refused: ${e.message}`))
      req.end()
    })
    // Node's answer on a TLS connection that negotiated no HTTP/2: 403, and the connection closed.
    expect(status).toBe("served 403")
  })
})

describe("GrpcServer's calls, end to end", () => {
  let port: number
  beforeAll(async () => {
    port = (await start()).port
  })

  it("tells the handler why its signal aborted: the client cancelled, or the deadline passed", async () => {
    const c = grpcClient(port)
    const before = seen.length
    const call = unary(c, "Hang", Buffer.from(""))
    while (seen.length === before) await sleep(5)
    const cancelled = seen.at(-1)!.signal
    call.cancel()
    while (!cancelled.aborted) await sleep(5)
    expect((cancelled.reason as Error).message).toBe("the client cancelled the call")
    c.close()
    await raw(port, "/test.Echo/Hang", [frame(Buffer.from(""))], { "grpc-timeout": "20m" })
    expect((seen.at(-1)!.signal.reason as Error).message).toBe("the call's deadline passed")
  })

  it("leaves the signal of an answered call alone, deadline or not, once its stream has closed", async () => {
    for (const headers of [{}, { "grpc-timeout": "30m" }]) {
      const before = seen.length
      const answer = await raw(port, "/test.Echo/Echo", [frame(Buffer.from("done"))], headers)
      expect(answer.trailers?.["grpc-status"]).toBe("0")
      const call = seen.at(-1)!
      expect(seen.length).toBe(before + 1)
      await call.closed
      await sleep(60)
      expect(call.signal.aborted).toBe(false)
    }
  })

  it("answers a call once: a handler that fails after its deadline passed adds nothing, not even a transport error", async () => {
    const heard: Array<string> = []
    const server = new GrpcServer({
      tls: { cert: certificate.certPem, key: certificate.keyPem, ca: client.certPem },
      onError: (error, where) => heard.push(`${where}: ${error.message}`),
    })
    servers.push(server)
    let rejected = false
    server.addService(echo, {
      // Fails as soon as its call is aborted.
      Hang: (_request: Buffer, call: UnaryCall) =>
        new Promise<Buffer>((_resolve, reject) =>
          call.signal.addEventListener("abort", () => {
            rejected = true
            reject(new Error("gave up"))
          }),
        ),
    })
    const own = await server.listen("127.0.0.1")
    const answer = await raw(own, "/test.Echo/Hang", [frame(Buffer.from(""))], { "grpc-timeout": "20m" })
    expect([answer.headers["grpc-status"], answer.headers["grpc-message"]]).toEqual(["4", "deadline exceeded"])
    expect(rejected).toBe(true)
    await sleep(20)
    expect(heard).toEqual([])
  })

  it("holds the process for no call that has ended: a cancelled call's deadline timer goes with it", async () => {
    // What keeps Node's event loop alive (the plugin exits when nothing does), counted around one call.
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length
    const session = connect(port)
    await new Promise((resolve) => session.on("connect", resolve))
    const before = timers()
    const count = seen.length
    const request = grpcRequest(session, "/test.Echo/Hang", { "grpc-timeout": "1H" })
    request.on("error", () => {})
    request.end(frame(Buffer.from("")))
    while (seen.length === count) await sleep(5)
    // The deadline's timer, and the handler's own.
    expect(timers()).toBeGreaterThanOrEqual(before + 2)
    request.close(http2.constants.NGHTTP2_CANCEL)
    while (!seen.at(-1)!.signal.aborted) await sleep(5)
    await seen.at(-1)!.closed
    await sleep(10)
    expect(timers()).toBeLessThanOrEqual(before)
    session.destroy()
  })

  it("reads a length prefix that arrives over several DATA frames", async () => {
    const whole = frame(Buffer.from("paced"))
    const answer = await raw(
      port,
      "/test.Echo/Echo",
      [whole.subarray(0, 2), whole.subarray(2, 4), whole.subarray(4)],
      {},
      20,
    )
    expect(answer.body).toEqual(frame(Buffer.from("echo:paced")))
  })

  it("does not hand the handler a request it refused (two messages in one unary call)", async () => {
    const whole = frame(Buffer.from("one"))
    const before = seen.length
    const answer = await raw(port, "/test.Echo/Hang", [Buffer.concat([whole, whole])])
    expect(answer.headers["grpc-status"]).toBe(String(Status.INTERNAL))
    await sleep(20)
    expect(seen.length).toBe(before)
  })

  it("ends the stream of a request it refused early, so that a client still sending it stops", async () => {
    const session = connect(port)
    const request = grpcRequest(session, "/test.Echo/Echo")
    request.on("error", () => {})
    const status = new Promise((resolve) => request.on("response", (h) => resolve(h["grpc-status"])))
    // A 4 MiB + 1 prefix, and the client never ends its request.
    request.write(Buffer.from([0, 0, 0x40, 0, 1]))
    expect(await status).toBe(String(Status.RESOURCE_EXHAUSTED))
    await new Promise((resolve) => request.on("close", resolve))
    expect(request.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR)
    session.destroy()
  })
})

describe("GrpcServer.stop on idle connections", () => {
  it("closes them at once: it does not wait out the grace period", async () => {
    const { server, port } = await start()
    const c = grpcClient(port)
    expect((await unary(c, "Echo", Buffer.from("idle")).result).toString()).toBe("echo:idle")
    // The client keeps its connection open; a stop that waited out 10 minutes would fail the test.
    await server.stop(600_000)
    c.close()
  })
})

describe("unaryMethod", () => {
  it("gives grpc-js clients one unary method, under the lower-camel name they expect", async () => {
    const bytes = { encode: (b: Buffer) => b, decode: (b: Buffer) => b }
    const definition = { Echo: unaryMethod("test.Echo", "Echo", bytes, bytes) }
    expect(definition.Echo).toMatchObject({ path: "/test.Echo/Echo", requestStream: false, responseStream: false })
    expect(definition.Echo.originalName).toBe("echo")
    const { port } = await start()
    const c = grpcClient(port, client, {}, definition)
    expect(typeof c["echo"]).toBe("function")
    expect((await unary(c, "echo", Buffer.from("camel")).result).toString()).toBe("echo:camel")
    c.close()
  })
})

describe("GrpcServer.stop", () => {
  it("lets a call in flight finish within the grace period", async () => {
    const { server, port } = await start()
    const c = grpcClient(port)
    const before = seen.length
    const call = unary(c, "Hang", Buffer.from("50"))
    while (seen.length === before) await sleep(5)
    await server.stop(5000)
    expect((await call.result).toString()).toBe("late")
    c.close()
  })

  it("ends a call still in flight after the grace period: its signal aborts", async () => {
    const { server, port } = await start()
    const c = grpcClient(port)
    const before = seen.length
    const call = unary(c, "Hang", Buffer.from(""))
    while (seen.length === before) await sleep(5)
    const stopped = await Promise.race([server.stop(100).then(() => "stopped"), sleep(10_000).then(() => "hung")])
    expect(stopped).toBe("stopped")
    await expect(call.result).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE })
    expect(seen.at(-1)!.signal.aborted).toBe(true)
    c.close()
  })
})

describe("GrpcServer's codecs", () => {
  it("percent-encodes grpc-message as UTF-8, leaving printable ASCII but % alone", () => {
    expect(percentEncode("plain text ~!")).toBe("plain text ~!")
    expect(percentEncode("100%")).toBe("100%25")
    // Once one byte needs encoding, the printable ones around it, "~" (0x7e) and " " (0x20) included, do not.
    expect(percentEncode("~ é ~")).toBe("~ %C3%A9 ~")
    expect(percentEncode("é\t\u{1F600}")).toBe("%C3%A9%09%F0%9F%98%80")
    expect(decodeURIComponent(percentEncode("any ünïcode % text\r\n"))).toBe("any ünïcode % text\r\n")
  })

  it("reads grpc-timeout in every unit, and refuses what the spec does not allow", () => {
    expect(parseTimeout("2H")).toBe(7_200_000)
    expect(parseTimeout("3M")).toBe(180_000)
    expect(parseTimeout("4S")).toBe(4000)
    expect(parseTimeout("250m")).toBe(250)
    expect(parseTimeout("1500u")).toBe(1.5)
    expect(parseTimeout("99999999n")).toBeCloseTo(99.999999)
    for (const bad of ["", "5", "m", "123456789S", "-1S", "1.5S", "1s"]) expect(parseTimeout(bad)).toBeUndefined()
  })
})

describe("listening", () => {
  it("binds an IP address itself, and refuses a port that is taken with the bind's error", async () => {
    const { port } = await start(false)
    const heard: Array<string> = []
    const taken = new GrpcServer({ onError: (error, where) => heard.push(`${where}: ${error.message}`) })
    await expect(taken.listen("127.0.0.1", port)).rejects.toMatchObject({ code: "EADDRINUSE" })
    // What the plugin logs at debug: the server's own error, named as such.
    expect(heard).toEqual([`server: listen EADDRINUSE: address already in use 127.0.0.1:${port}`])
    const c = grpcClient(port, "plaintext")
    await expect(unary(c, "Echo", Buffer.from("ip")).result).resolves.toEqual(Buffer.from("echo:ip"))
    c.close()
  })

  it("binds an IP address without a DNS lookup, and refuses a second listen as net does", async () => {
    const lookup = vi.spyOn(dns, "lookup")
    try {
      const server = new GrpcServer()
      servers.push(server)
      const port = await server.listen("127.0.0.1")
      expect(lookup).not.toHaveBeenCalled()
      await expect(server.listen("127.0.0.1")).rejects.toMatchObject({ code: "ERR_SERVER_ALREADY_LISTEN" })
      // A host name is looked up, through net's own listen.
      const named = new GrpcServer()
      servers.push(named)
      await named.listen("localhost")
      expect(lookup.mock.calls.map(([host]) => host)).toEqual(["localhost"])
      const c = grpcClient(port, "plaintext")
      await expect(unary(c, "Echo", Buffer.from("once")).result).rejects.toMatchObject({
        code: grpc.status.UNIMPLEMENTED,
      })
      c.close()
    } finally {
      lookup.mockRestore()
    }
  })

  it("listens on a host name through net's listen", async () => {
    const server = new GrpcServer().addService(echo, handlers)
    servers.push(server)
    const port = await server.listen("localhost")
    expect(port).toBeGreaterThan(0)
    const session = http2.connect(`http://localhost:${port}`)
    const stream = session.request({
      ":method": "POST",
      ":path": "/test.Echo/Echo",
      "content-type": "application/grpc",
      te: "trailers",
    })
    const body = Buffer.from("name")
    const header = Buffer.alloc(5)
    header.writeUInt32BE(body.length, 1)
    stream.end(Buffer.concat([header, body]))
    const chunks: Array<Buffer> = []
    stream.on("data", (c: Buffer) => chunks.push(c))
    await new Promise((r) => stream.on("end", r))
    session.close()
    expect(Buffer.concat(chunks).subarray(5).toString()).toBe("echo:name")
  })
})
