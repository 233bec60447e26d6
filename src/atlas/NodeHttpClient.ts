/**
 * An `HttpClient` over `node:http`/`node:https` with its own keep-alive agent,
 * so that the number of connections really is capped: an agent never opens
 * more than `maxSockets` sockets to a host, idle ones included, while
 * `fetch`'s shared pool may open more than the requests in flight. It never
 * follows redirects, and releasing the layer closes its sockets.
 *
 * @since 0.1.0
 */
import * as http from "node:http"
import * as https from "node:https"
import { Readable } from "node:stream"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"

/**
 * @since 0.1.0
 * @category models
 */
export interface NodeHttpClientOptions {
  /** Sockets per host at most, idle keep-alive ones included. @default 16 */
  readonly maxConnections?: number
}

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown, description?: string) =>
  new HttpClientError.HttpClientError({
    reason: new HttpClientError.TransportError({
      request,
      cause,
      ...(description !== undefined ? { description } : {}),
    }),
  })

const webHeaders = (raw: ReadonlyArray<string>): Headers => {
  const headers = new Headers()
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
  return headers
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
    req.once("response", (res) => {
      const headers = webHeaders(res.rawHeaders)
      const status = res.statusCode ?? 0
      // 204/304 and HEAD have no body; a Web Response refuses one for them.
      const noBody = status === 204 || status === 304 || request.method === "HEAD"
      if (noBody) res.resume()
      const web = new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
        status: status >= 200 && status <= 599 ? status : 599,
        headers,
      })
      resume(Effect.succeed(HttpClientResponse.fromWeb(request, web)))
    })
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
      const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) }
      // Released means closed: wait (a second at most) until every socket
      // has closed on this side, so no handle outlives the layer.
      yield* Effect.addFinalizer(() =>
        Effect.promise(() => {
          const sockets = [agents.http, agents.https].flatMap((agent) =>
            [agent.sockets, agent.freeSockets].flatMap((byHost) => Object.values(byHost).flat()),
          )
          agents.http.destroy()
          agents.https.destroy()
          const closed = sockets.map(
            (socket) =>
              new Promise<void>((resolve) => {
                if (socket === undefined || socket.closed) resolve()
                else socket.once("close", () => resolve())
              }),
          )
          return Promise.race([
            Promise.all(closed).then(() => undefined),
            new Promise<void>((resolve) => setTimeout(resolve, 1000).unref()),
          ])
        }),
      )
      return HttpClient.make((request, url, signal) => send(agents, request, url, signal))
    }),
  )
