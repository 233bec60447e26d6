/**
 * An `HttpClient` over `node:http`/`node:https` with its own keep-alive agent,
 * so that the number of connections really is capped: an agent never opens
 * more than `maxSockets` sockets to a host, idle ones included, while
 * `fetch`'s shared pool may open more than the requests in flight. It never
 * follows redirects, and releasing the layer closes its sockets.
 *
 * Responses are read straight from node's `IncomingMessage`: no Web
 * `Response`, `Headers` or stream is built, because the first touch of those
 * globals loads undici, which costs a one-shot process more than its request.
 *
 * @since 0.1.0
 */
import * as http from "node:http"
import * as https from "node:https"
import type { Duplex } from "node:stream"
import * as tls from "node:tls"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Stream from "effect/Stream"
import type * as Schema from "effect/Schema"
import type * as Socket from "effect/socket/Socket"
import * as Cookies from "effect/http/Cookies"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as UrlParams from "effect/http/UrlParams"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"

/**
 * @since 0.1.0
 * @category models
 */
export interface NodeHttpClientOptions {
  /** Sockets per host at most, idle keep-alive ones included. @default 16 */
  readonly maxConnections?: number
  /**
   * PEM certificates to trust for `https:`, and only those: like node's own
   * `ca` option, they replace the default (Mozilla) store rather than add to
   * it. For a private certificate authority or a TLS-intercepting proxy.
   * The server's certificate is always verified: `rejectUnauthorized` is set
   * explicitly, so `NODE_TLS_REJECT_UNAUTHORIZED=0` does not turn the check
   * off, and no option does.
   * @default node's default store
   */
  readonly ca?: ReadonlyArray<string>
}

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })

const noop = () => {}

const textDecoder = new TextDecoder()
const formDecoder = new TextDecoder("utf-8", { ignoreBOM: true })

const prematureClose = () =>
  Object.assign(new Error("the connection closed before the response body ended"), { code: "ECONNRESET" })

/** One copy into an `ArrayBuffer` of exactly the body's size (node's chunks may be views of larger buffers). */
const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): ArrayBuffer => {
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out.buffer
}

/**
 * The body of `res` as a Stream over node's async iterator, which reads in
 * paused mode (back-pressure holds) and destroys the response when the
 * stream ends early (interruption, a failure downstream, a `take`), so an
 * unread body never keeps a socket busy.
 */
const readableStream = <E>(res: http.IncomingMessage, onError: (cause: unknown) => E): Stream.Stream<Uint8Array, E> =>
  Stream.fromAsyncIterable(res as AsyncIterable<Uint8Array>, onError)

/**
 * effect's `HttpClientResponse` over node's `IncomingMessage`, member for
 * member what `HttpClientResponse.fromWeb` does over a Web `Response`: the
 * body can be read once (as bytes, text, JSON, URL parameters, or a stream),
 * and the bytes are cached so `text` after `json` works.
 */
class NodeHttpClientResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: typeof HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: typeof HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly request: HttpClientRequest.HttpClientRequest
  readonly status: number
  readonly remoteAddress: Option.Option<string>
  private readonly source: http.IncomingMessage
  private readonly target: URL
  private readonly hasBody: boolean
  private used = false

  constructor(request: HttpClientRequest.HttpClientRequest, source: http.IncomingMessage, target: URL) {
    super()
    this.request = request
    this.source = source
    this.target = target
    this.status = source.statusCode ?? 0
    // Taken now: a keep-alive socket is detached from the response once it is read.
    this.remoteAddress = Option.fromUndefinedOr(source.socket?.remoteAddress)
    // 204/304 and HEAD have no body (fetch gives them a null one).
    this.hasBody = !(this.status === 204 || this.status === 304 || request.method === "HEAD")
    if (!this.hasBody) source.resume()
    // A socket error after the body was abandoned must not become an uncaught exception.
    source.on("error", noop)
  }

  get url(): string {
    const href = this.target.href
    const hash = href.indexOf("#")
    return hash === -1 ? href : href.slice(0, hash)
  }

  private cachedHeaders?: Headers.Headers
  get headers(): Headers.Headers {
    // Node's record: lower-case names, repeated fields joined or (set-cookie) an array, which fromInput joins.
    return (this.cachedHeaders ??= Headers.fromInput(this.source.headers as Headers.Input))
  }

  private cachedCookies?: Cookies.Cookies
  get cookies(): Cookies.Cookies {
    return (this.cachedCookies ??= Cookies.fromSetCookie(this.source.headers["set-cookie"] ?? []))
  }

  private fail(
    make: (props: {
      request: HttpClientRequest.HttpClientRequest
      response: HttpClientResponse.HttpClientResponse
    }) => HttpClientError.HttpClientError["reason"],
  ) {
    return new HttpClientError.HttpClientError({
      reason: make({ request: this.request, response: this }),
    })
  }

  private decodeError(cause: unknown, description?: string) {
    return this.fail(
      (props) =>
        new HttpClientError.DecodeError({ ...props, cause, ...(description !== undefined ? { description } : {}) }),
    )
  }

  private alreadyRead() {
    return this.decodeError(undefined, "the response body has already been read")
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.HttpClientError> {
    if (!this.hasBody) {
      return Stream.fail(
        this.fail(
          (props) =>
            new HttpClientError.EmptyBodyError({ ...props, description: "can not create stream from empty body" }),
        ),
      )
    }
    return Stream.suspend(() => {
      if (this.used) return Stream.fail(this.alreadyRead())
      this.used = true
      return readableStream(this.source, (cause) => this.decodeError(cause))
    })
  }

  private arrayBufferBody?: Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError>
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    return (this.arrayBufferBody ??= Effect.suspend(() => this.readAll()).pipe(Effect.cached, Effect.runSync))
  }

  private readAll(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    if (!this.hasBody) return Effect.succeed(new ArrayBuffer(0))
    if (this.used) return Effect.fail(this.alreadyRead())
    this.used = true
    const res = this.source
    return Effect.callback((resume) => {
      const chunks: Array<Uint8Array> = []
      let size = 0
      let settled = false
      const detach = () => {
        settled = true
        res.off("data", onData)
        res.off("end", onEnd)
        res.off("error", onFailure)
        res.off("close", onClose)
      }
      const settle = (effect: Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError>) => {
        if (settled) return
        detach()
        resume(effect)
      }
      const onData = (chunk: Uint8Array) => {
        chunks.push(chunk)
        size += chunk.byteLength
      }
      const onEnd = () => settle(Effect.succeed(concat(chunks, size)))
      const onFailure = (cause: unknown) => settle(Effect.fail(this.decodeError(cause)))
      const onClose = () => onFailure(res.errored ?? prematureClose())
      if (res.destroyed) return onClose()
      res.on("data", onData)
      res.on("end", onEnd)
      res.on("error", onFailure)
      res.on("close", onClose)
      // Interrupted mid-body: the rest will never be read, so the socket cannot be reused.
      return Effect.sync(() => {
        if (settled) return
        detach()
        res.destroy()
      })
    })
  }

  private textBody?: Effect.Effect<string, HttpClientError.HttpClientError>
  get text(): Effect.Effect<string, HttpClientError.HttpClientError> {
    return (this.textBody ??= Effect.map(this.arrayBuffer, (bytes) => textDecoder.decode(bytes)))
  }

  get json(): Effect.Effect<Schema.Json, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : (JSON.parse(text) as Schema.Json)),
        catch: (cause) => this.decodeError(cause),
      }),
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.HttpClientError> {
    // As effect does: a leading U+FEFF is form data, and so is a leading "?"
    // (URLSearchParams would drop it as a query prefix). Nothing here throws:
    // the decoder replaces bad bytes, and URLSearchParams takes any string.
    return Effect.map(this.arrayBuffer, (bytes) =>
      UrlParams.fromInput(new URLSearchParams(formDecoder.decode(bytes).replace(/^\?/, "%3F"))),
    )
  }

  private formDataBody?: Effect.Effect<FormData, HttpClientError.HttpClientError>
  /**
   * The one member that builds a Web `Response` (and so loads undici): a
   * multipart parser of our own is not worth it for a body Atlas never sends.
   */
  get formData(): Effect.Effect<FormData, HttpClientError.HttpClientError> {
    return (this.formDataBody ??= Effect.flatMap(this.arrayBuffer, (bytes) =>
      Effect.tryPromise({
        try: () => {
          const type = this.source.headers["content-type"]
          return new Response(bytes, type === undefined ? {} : { headers: { "content-type": type } }).formData()
        },
        catch: (cause) => this.decodeError(cause),
      }),
    ).pipe(Effect.cached, Effect.runSync))
  }

  get upgrade(): Effect.Effect<Socket.Socket, HttpClientError.HttpClientError> {
    return Effect.fail(
      this.fail(
        (props) =>
          new HttpClientError.StatusCodeError({
            ...props,
            description: "this node:http client cannot hand over the connection of an HTTP upgrade",
          }),
      ),
    )
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status,
    })
  }

  pipe() {
    return pipeArguments(this, arguments)
  }
}

/**
 * An https agent that trusts exactly `ca`. Node's agent would hand `ca` to
 * every new connection, which then parses the whole list again (tens of ms
 * for a full root store); this one parses it once, at the first connection.
 */
class TrustingAgent extends https.Agent {
  readonly #ca: Array<string>
  #context: tls.SecureContext | undefined
  constructor(options: https.AgentOptions, ca: ReadonlyArray<string>) {
    super(options)
    this.#ca = [...ca]
  }
  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    this.#context ??= tls.createSecureContext({ ca: this.#ca })
    // The agent passes its options on to tls.connect, which takes a context.
    const withContext: https.RequestOptions & Pick<tls.ConnectionOptions, "secureContext"> = {
      ...options,
      secureContext: this.#context,
    }
    return super.createConnection(withContext, callback)
  }
}

const send = (
  agents: { readonly http: http.Agent; readonly https: https.Agent },
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  signal: AbortSignal,
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  const body = request.body
  let payload: Uint8Array | string | undefined
  if (body._tag === "Uint8Array") payload = body.body
  else if (body._tag === "Raw" && (typeof body.body === "string" || body.body instanceof Uint8Array))
    payload = body.body
  else if (body._tag !== "Empty") {
    return Effect.fail(
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.EncodeError({ request, description: `unsupported request body (${body._tag})` }),
      }),
    )
  }
  return Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    const secure = url.protocol === "https:"
    const req = (secure ? https : http).request(url, {
      method: request.method,
      headers: request.headers,
      agent: secure ? agents.https : agents.http,
      signal,
    })
    req.once("response", (res) => resume(Effect.succeed(new NodeHttpClientResponse(request, res, url))))
    req.once("error", (cause) => resume(Effect.fail(transportError(request, cause))))
    if (payload === undefined) req.end()
    else req.end(payload)
  })
}

/**
 * A layer of the client. The agents are closed, sockets and all, when the
 * layer is released.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: NodeHttpClientOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.gen(function* () {
      const agentOptions = { keepAlive: true, maxSockets: options.maxConnections ?? 16, scheduling: "lifo" as const }
      // Explicit: left out, tls.connect takes it from NODE_TLS_REJECT_UNAUTHORIZED, which "0" turns off.
      const tlsOptions = { ...agentOptions, rejectUnauthorized: true }
      const agents = {
        http: new http.Agent(agentOptions),
        https: options.ca === undefined ? new https.Agent(tlsOptions) : new TrustingAgent(tlsOptions, options.ca),
      }
      // Released means closed: wait (a second at most) until every socket
      // has closed on this side, so no handle outlives the layer.
      yield* Effect.addFinalizer(() =>
        Effect.promise(() => {
          const sockets = [agents.http, agents.https].flatMap((agent) =>
            [agent.sockets, agent.freeSockets].flatMap((byHost) => Object.values(byHost).flat()),
          )
          // Listened to before destroying: destroy() marks a socket `closed` at
          // once, while its "close" (the handle really closed) comes later.
          const closed = sockets.map(
            (socket) =>
              new Promise<void>((resolve) => {
                if (socket === undefined || socket.closed) resolve()
                else socket.once("close", () => resolve())
              }),
          )
          agents.http.destroy()
          agents.https.destroy()
          return Promise.race([
            Promise.all(closed).then(() => undefined),
            new Promise<void>((resolve) => setTimeout(resolve, 1000).unref()),
          ])
        }),
      )
      return HttpClient.make((request, url, signal) => send(agents, request, url, signal))
    }),
  )
