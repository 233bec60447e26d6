/**
 * A gRPC server for unary calls over `node:http2`, following the gRPC over
 * HTTP/2 protocol (grpc/grpc `doc/PROTOCOL-HTTP2.md`). The plugin serves only
 * unary calls and Terraform starts it three times per plan, so this replaces
 * `@grpc/grpc-js`, whose server loads the whole client stack (channels,
 * resolvers, load balancers, channelz) and sets more of it up in `bindAsync`
 * (figures in this directory's README).
 *
 * Each call reads exactly one length-prefixed message, answers with one and
 * `grpc-status: 0` in the trailers, or with a Trailers-Only error. A client
 * that resets the stream, or a `grpc-timeout` that expires, aborts the
 * handler's `AbortSignal`.
 *
 * @since 0.1.0
 */
import * as http2 from "node:http2"
import { isIP } from "node:net"
import type { AddressInfo, Server } from "node:net"

/**
 * `net.Server`'s own binding step, which `listen` ends in: it binds `host`,
 * an IP address, without `listen`'s `dns.lookup` and `cluster` module, which
 * Node 24 loads for every listen on a host (~5 ms of CPU a start measured
 * here, ~2 ms on Node 20). Node keeps the name `_listen2` for code that wraps
 * it; when it is gone, `listen` is used.
 */
type Listen2 = (address: string, port: number, addressType: number, backlog: number) => void

/**
 * The gRPC status codes this server answers with.
 *
 * @since 0.1.0
 * @category constants
 */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
} as const

/**
 * The codecs of one unary method under its path (`/package.Service/Method`).
 *
 * @since 0.1.0
 * @category models
 */
export interface UnaryMethod<Req = any, Res = any> {
  readonly path: string
  readonly requestDeserialize: (bytes: Buffer) => Req
  readonly responseSerialize: (value: Res) => Buffer
}

/**
 * One unary method as gRPC libraries describe it: its path and the codecs of
 * its request and response. `GrpcServer` reads the path,
 * `requestDeserialize` and `responseSerialize`; a client library
 * (`@grpc/grpc-js` in the tests and the bench) takes the same definition.
 *
 * @since 0.1.0
 * @category models
 */
export interface MethodDefinition<Req = any, Res = any> extends UnaryMethod<Req, Res> {
  readonly requestStream: false
  readonly responseStream: false
  readonly requestSerialize: (value: Req) => Buffer
  readonly responseDeserialize: (bytes: Buffer) => Res
  readonly originalName: string
}

/**
 * The definition of the unary method `name` of `service` over the codecs of
 * its request and response.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unaryMethod = <Req, Res>(
  service: string,
  name: string,
  request: { readonly encode: (value: Req) => Buffer; readonly decode: (bytes: Buffer) => Req },
  response: { readonly encode: (value: Res) => Buffer; readonly decode: (bytes: Buffer) => Res },
): MethodDefinition<Req, Res> => ({
  path: `/${service}/${name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: request.encode,
  requestDeserialize: request.decode,
  responseSerialize: response.encode,
  responseDeserialize: response.decode,
  originalName: name.charAt(0).toLowerCase() + name.slice(1),
})

/**
 * A service's methods, by method name.
 *
 * @since 0.1.0
 * @category models
 */
export type ServiceDefinition = Readonly<Record<string, MethodDefinition>>

/**
 * A service to serve: its methods and a handler for each method served.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly definition: Readonly<Record<string, UnaryMethod>>
  readonly handlers: Readonly<Record<string, UnaryHandler>>
}

/**
 * What a handler knows about its call.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnaryCall {
  readonly path: string
  /** Aborted when the client cancels, the deadline passes or the server is forced to stop. */
  readonly signal: AbortSignal
  /** Settles once the call's stream has closed: its answer, if any, has been handed to the connection. */
  readonly closed: Promise<void>
}

/**
 * Answers one call. A thrown error or a rejection answers `UNKNOWN` with its message.
 *
 * @since 0.1.0
 * @category models
 */
export type UnaryHandler<Req = any, Res = any> = (request: Req, call: UnaryCall) => Res | Promise<Res>

/**
 * @since 0.1.0
 * @category models
 */
export interface GrpcServerOptions {
  /**
   * Mutual TLS: the server's certificate and key (PEM), and `ca`, the only
   * certificate a client may present. Without it the server speaks plaintext
   * HTTP/2 with prior knowledge (h2c), as grpc-go clients do.
   */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string }
  /** @default 4 MiB, gRPC's default */
  readonly maxRequestBytes?: number
  /** Hears about what no call sees: a session's error, a stream's error, a failed TLS handshake. */
  readonly onError?: (error: Error, where: "server" | "session" | "stream" | "tls") => void
}

interface Route {
  readonly method: UnaryMethod
  readonly handle: UnaryHandler
}

const GRPC_CONTENT_TYPE = "application/grpc+proto"
const PREFIX_BYTES = 5
// setTimeout's limit: a longer deadline is as good as none.
const MAX_TIMER_MILLIS = 2 ** 31 - 1
const timeoutUnits: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 }

/**
 * The deadline a `grpc-timeout` value gives, in ms; `undefined` when malformed.
 *
 * @since 0.1.0
 * @category codecs
 */
export const parseTimeout = (value: string): number | undefined => {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value)
  return match === null ? undefined : Number(match[1]) * timeoutUnits[match[2]!]!
}

/**
 * `grpc-message`'s encoding: UTF-8, then every byte outside printable ASCII,
 * and `%` itself, as `%XX`.
 *
 * @since 0.1.0
 * @category codecs
 */
export const percentEncode = (text: string): string => {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(text)) return text
  let encoded = ""
  for (const byte of Buffer.from(text, "utf8")) {
    encoded +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : "%" + byte.toString(16).toUpperCase().padStart(2, "0")
  }
  return encoded
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * A unary gRPC server. Add the services, `listen`, and `stop` at the end.
 *
 * @since 0.1.0
 * @category servers
 */
export class GrpcServer {
  readonly #server: http2.Http2Server | http2.Http2SecureServer
  readonly #routes = new Map<string, Route>()
  readonly #sessions = new Set<http2.ServerHttp2Session>()
  readonly #maxRequestBytes: number
  readonly #onError: NonNullable<GrpcServerOptions["onError"]>

  constructor(options: GrpcServerOptions = {}) {
    this.#maxRequestBytes = options.maxRequestBytes ?? 4 * 1024 * 1024
    this.#onError = options.onError ?? (() => {})
    const tls = options.tls
    this.#server =
      tls === undefined
        ? http2.createServer()
        : http2.createSecureServer({
            cert: tls.cert,
            key: tls.key,
            ca: tls.ca,
            requestCert: true,
            rejectUnauthorized: true,
            allowHTTP1: false,
            minVersion: "TLSv1.2",
          })
    this.#server.on("error", (error) => this.#onError(error, "server"))
    this.#server.on("tlsClientError", (error: Error, socket: { destroy(): void }) => {
      this.#onError(error, "tls")
      socket.destroy()
    })
    this.#server.on("session", (session: http2.ServerHttp2Session) => {
      this.#sessions.add(session)
      session.on("close", () => this.#sessions.delete(session))
      session.on("error", (error) => this.#onError(error, "session"))
    })
    this.#server.on("stream", (stream, headers) => this.#serve(stream, headers))
  }

  /**
   * Serves each method of `methods` that has a handler; the others answer
   * `UNIMPLEMENTED`, as an unknown path does.
   */
  addService(methods: Readonly<Record<string, UnaryMethod>>, handlers: Readonly<Record<string, UnaryHandler>>): this {
    for (const [name, handle] of Object.entries(handlers)) {
      const method = methods[name]
      if (method === undefined) throw new Error(`no method ${name} to serve`)
      this.#routes.set(method.path, { method, handle })
    }
    return this
  }

  /** Listens on `host`; resolves with the port (ephemeral by default). */
  listen(host: string, port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const listening = () => {
        this.#server.off("error", reject)
        resolve((this.#server.address() as AddressInfo).port)
      }
      this.#server.once("error", reject)
      const family = isIP(host)
      const listen2 = (this.#server as Server & { _listen2?: Listen2 })._listen2
      if (family !== 0 && typeof listen2 === "function" && !this.#server.listening) {
        this.#server.once("listening", listening)
        listen2.call(this.#server, host, port, family, 511)
      } else {
        this.#server.listen(port, host, listening)
      }
    })
  }

  /**
   * Stops listening and closes the connections once their calls have
   * answered; after `graceMillis` the connections still open are destroyed
   * (their calls' signals abort).
   */
  stop(graceMillis = 200): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        for (const session of this.#sessions) session.destroy()
        resolve()
      }, graceMillis)
      force.unref()
      this.#server.close(() => {
        clearTimeout(force)
        resolve()
      })
      for (const session of this.#sessions) session.close()
    })
  }

  #serve(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on("error", (error) => this.#onError(error, "stream"))
    if (headers[":method"] !== "POST") return respondHttp(stream, 405)
    // The spec's answer, so that a plain HTTP/2 client does not take a gRPC error for success.
    if (!headers["content-type"]?.startsWith("application/grpc")) return respondHttp(stream, 415)

    const path = headers[":path"] ?? ""
    const route = this.#routes.get(path)
    let answered = false
    let clientDone = false
    let timer: NodeJS.Timeout | undefined
    const controller = new AbortController()

    const settle = (): boolean => {
      if (answered) return false
      answered = true
      clearTimeout(timer)
      return !stream.destroyed && !stream.closed
    }
    const fail = (code: number, message: string, extra: http2.OutgoingHttpHeaders = {}) => {
      if (!settle()) return
      try {
        stream.respond(
          {
            ":status": 200,
            "content-type": GRPC_CONTENT_TYPE,
            ...extra,
            "grpc-status": String(code),
            "grpc-message": percentEncode(message.slice(0, 1024)),
          },
          { endStream: true },
        )
        // The request is of no more use: let the client stop sending it. Reset on the next turn, once the answer's
        // HEADERS are out: Node 22 sent the RST_STREAM first, and the client saw INTERNAL instead of the status.
        if (!clientDone) setImmediate(() => stream.close(http2.constants.NGHTTP2_NO_ERROR))
      } catch (error) {
        this.#onError(error as Error, "stream")
      }
    }
    const reply = (message: Buffer) => {
      if (!settle()) return
      const prefix = Buffer.allocUnsafe(PREFIX_BYTES)
      prefix[0] = 0
      prefix.writeUInt32BE(message.length, 1)
      try {
        stream.respond({ ":status": 200, "content-type": GRPC_CONTENT_TYPE }, { waitForTrailers: true })
        stream.once("wantTrailers", () => {
          try {
            stream.sendTrailers({ "grpc-status": String(Status.OK) })
          } catch (error) {
            this.#onError(error as Error, "stream")
          }
        })
        stream.end(Buffer.concat([prefix, message]))
      } catch (error) {
        this.#onError(error as Error, "stream")
      }
    }

    let closed!: () => void
    const streamClosed = new Promise<void>((resolve) => (closed = resolve))
    stream.on("close", () => {
      closed()
      clearTimeout(timer)
      if (!answered) {
        answered = true
        controller.abort(new Error("the client cancelled the call"))
      }
    })
    if (route === undefined) return fail(Status.UNIMPLEMENTED, `unknown method ${path}`)

    const timeout = headers["grpc-timeout"]?.toString()
    if (timeout !== undefined) {
      const millis = parseTimeout(timeout)
      if (millis === undefined) return fail(Status.INTERNAL, `malformed grpc-timeout ${timeout}`)
      if (millis <= MAX_TIMER_MILLIS) {
        timer = setTimeout(() => {
          controller.abort(new Error("the call's deadline passed"))
          fail(Status.DEADLINE_EXCEEDED, "deadline exceeded")
        }, millis)
      }
    }

    const chunks: Array<Buffer> = []
    let received = 0
    let length: number | undefined
    stream.on("data", (chunk: Buffer) => {
      if (answered) return
      chunks.push(chunk)
      received += chunk.length
      if (length === undefined && received >= PREFIX_BYTES) {
        const head = chunks.length === 1 ? chunk : Buffer.concat(chunks)
        const compressed = head[0]!
        length = head.readUInt32BE(1)
        if (compressed !== 0) {
          const encoding = headers["grpc-encoding"]?.toString() ?? "identity"
          return compressed === 1 && encoding !== "identity"
            ? fail(Status.UNIMPLEMENTED, "compression is not supported", { "grpc-accept-encoding": "identity" })
            : fail(Status.INTERNAL, `compressed flag ${compressed} on a message with grpc-encoding ${encoding}`)
        }
        if (length > this.#maxRequestBytes) {
          return fail(
            Status.RESOURCE_EXHAUSTED,
            `request message of ${length} bytes is larger than the limit of ${this.#maxRequestBytes}`,
          )
        }
      }
      if (length !== undefined && received > PREFIX_BYTES + length) {
        fail(Status.INTERNAL, "more than one request message in a unary call")
      }
    })
    stream.on("end", () => {
      clientDone = true
      if (answered) return
      if (length === undefined || received < PREFIX_BYTES + length) {
        return fail(Status.INTERNAL, received === 0 ? "no request message" : "truncated request message")
      }
      let request: unknown
      try {
        request = route.method.requestDeserialize(Buffer.concat(chunks).subarray(PREFIX_BYTES))
      } catch (error) {
        return fail(
          Status.INTERNAL,
          `the request message could not be decoded: ${messageOf(error).replace(/\s+/g, " ")}`,
        )
      }
      const call: UnaryCall = { path, signal: controller.signal, closed: streamClosed }
      new Promise((resolve) => resolve(route.handle(request, call))).then(
        (response) => {
          if (answered) return
          let message: Buffer
          try {
            message = route.method.responseSerialize(response)
          } catch (error) {
            return fail(Status.INTERNAL, `the response message could not be encoded: ${messageOf(error)}`)
          }
          reply(message)
        },
        (error: unknown) => fail(Status.UNKNOWN, messageOf(error)),
      )
    })
  }
}

const respondHttp = (stream: http2.ServerHttp2Stream, status: number) => {
  try {
    stream.respond({ ":status": status, ...(status === 405 ? { allow: "POST" } : {}) }, { endStream: true })
  } catch {
    // The client went away first.
  }
}
