/**
 * One HTTP exchange with Atlas, fully read: the request goes out through the
 * `HttpClient` in context, the body comes back capped at a size limit, and
 * at most `maxConnections` exchanges are in flight per layer. Auth and
 * retries are built on top of it; this module knows neither.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option, Semaphore } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import type { HttpClientError, HttpClientRequest } from "effect/http"
import { ResponseDecodeError, TransportError } from "./AtlasError.js"
import type { AtlasConfig } from "./AtlasConfig.js"

/**
 * A response read to its end.
 *
 * @since 0.1.0
 * @category models
 */
export interface RawResponse {
  readonly status: number
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface AtlasTransportShape {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string
  readonly send: (
    request: HttpClientRequest.HttpClientRequest,
  ) => Effect.Effect<RawResponse, TransportError | ResponseDecodeError>
}

const describe = (error: HttpClientError.HttpClientError): string => {
  const reason = error.reason as HttpClientError.HttpClientError["reason"] | undefined
  if (reason === undefined) return error instanceof Error ? error.message : String(error)
  const cause = (reason as { cause?: unknown }).cause
  // undici hides the useful part (ECONNREFUSED, UND_ERR_SOCKET) in cause.cause.
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause
  const code = typeof inner?.code === "string" ? inner.code : undefined
  const message =
    cause instanceof Error ? cause.message : ((reason as { description?: string }).description ?? reason._tag)
  return `${reason.request.method} ${reason.request.url.split("?")[0]}: ${message}${code ? ` (${code})` : ""}`
}

const tooLarge = (status: number, max: number) =>
  new ResponseDecodeError({ status, reason: `the response body is larger than ${max} bytes` })

const readWeb = (web: Response, status: number, max: number): Promise<string> => {
  const declared = Number(web.headers.get("content-length"))
  if (Number.isFinite(declared) && declared > max) {
    void web.body?.cancel().catch(() => {})
    return Promise.reject(tooLarge(status, max))
  }
  if (web.body === null) return Promise.resolve("")
  const reader = web.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  const pump = (): Promise<string> =>
    reader.read().then(({ done, value }) => {
      if (done) {
        if (chunks.length === 1) return new TextDecoder().decode(chunks[0])
        return new TextDecoder().decode(Buffer.concat(chunks, size))
      }
      size += value.byteLength
      if (size > max) {
        void reader.cancel().catch(() => {})
        throw tooLarge(status, max)
      }
      chunks.push(value)
      return pump()
    })
  return pump()
}

const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  max: number,
): Effect.Effect<string, TransportError | ResponseDecodeError> => {
  const web = HttpClientResponse.toWeb(response)
  if (Option.isSome(web)) {
    return Effect.tryPromise({
      try: () => readWeb(web.value, response.status, max),
      catch: (e) =>
        e instanceof ResponseDecodeError
          ? e
          : new TransportError({
              reason: `reading the response of ${response.request.method} ${response.request.url.split("?")[0]} failed: ${
                e instanceof Error ? e.message : String(e)
              }`,
            }),
    })
  }
  return response.arrayBuffer.pipe(
    Effect.mapError((e) => new TransportError({ reason: describe(e) })),
    Effect.flatMap((buf) =>
      buf.byteLength > max
        ? Effect.fail(tooLarge(response.status, max))
        : Effect.succeed(new TextDecoder().decode(buf)),
    ),
  )
}

/**
 * @since 0.1.0
 * @category services
 */
export class AtlasTransport extends Context.Service<AtlasTransport, AtlasTransportShape>()(
  "atlas-flex-restore/AtlasTransport",
) {
  /**
   * The transport over the `HttpClient` in context.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layer = (
    config: Pick<AtlasConfig, "baseUrl" | "maxConnections" | "maxResponseBytes">,
  ): Layer.Layer<AtlasTransport, never, HttpClient.HttpClient> =>
    Layer.effect(
      AtlasTransport,
      Effect.gen(function* () {
        const client = HttpClient.withScope(yield* HttpClient.HttpClient)
        const permits = yield* Semaphore.make(config.maxConnections)
        const max = config.maxResponseBytes
        const send = (request: HttpClientRequest.HttpClientRequest) =>
          client.execute(request).pipe(
            Effect.mapError((e) => new TransportError({ reason: describe(e) })),
            Effect.flatMap((response) =>
              Effect.map(readBody(response, max), (body) => ({
                status: response.status,
                headers: response.headers as Readonly<Record<string, string>>,
                body,
              })),
            ),
            // Closing the scope aborts a request that was cut short (timeout, interruption).
            Effect.scoped,
            Semaphore.withPermits(permits, 1),
          )
        return AtlasTransport.of({ baseUrl: config.baseUrl, send })
      }),
    )
}
