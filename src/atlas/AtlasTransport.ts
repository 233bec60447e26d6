/**
 * One HTTP exchange with Atlas, fully read: the request goes out through the
 * `HttpClient` in context, the body comes back capped at a size limit, and
 * at most `maxConnections` exchanges are in flight per layer. Auth and
 * retries are built on top of it; this module knows neither.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpClientError from "effect/http/HttpClientError"
import type { HttpClientRequest } from "effect/http"
import { ResponseDecodeError, Timeout, TransportError } from "./AtlasError.js"
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
 * The time one attempt of a call has spent on the wire so far. An attempt is
 * one request with every round trip its authentication needs (a digest
 * challenge and re-challenge, a service account's token): they all share one
 * `timeout`. Time queued for a connection permit is not counted.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttemptClock {
  spentMillis: number
}

/**
 * The `AttemptClock` of the running attempt; `undefined` outside an attempt
 * (a token revocation), where each exchange has the whole `timeout`.
 *
 * @since 0.1.0
 * @category services
 */
export const CurrentAttempt = Context.Reference<AttemptClock | undefined>("atlas-flex-restore/CurrentAttempt", {
  defaultValue: () => undefined,
})

/**
 * Runs `attempt` with a fresh `AttemptClock`: the exchanges inside share one
 * `timeout`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const asAttempt = <A, E, R>(attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => Effect.provideService(attempt, CurrentAttempt, { spentMillis: 0 }))

/**
 * @since 0.1.0
 * @category models
 */
export interface AtlasTransportShape {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string
  /**
   * One exchange, limited to what is left of the attempt's `timeoutMillis`
   * (see `CurrentAttempt`) once a connection permit is held.
   */
  readonly send: (
    request: HttpClientRequest.HttpClientRequest,
  ) => Effect.Effect<RawResponse, TransportError | ResponseDecodeError | Timeout>
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

const decoder = new TextDecoder()

/** No `Buffer`: this module also runs over fetch outside Node. */
const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

const disabled = () => true

/**
 * Gives up an unread body: opening its stream and closing it at once cancels
 * it, whichever client made the response, so its connection is not held.
 */
const release = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<void> =>
  Effect.ignore(Effect.scoped(Stream.toPull(response.stream)))

const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  max: number,
): Effect.Effect<string, TransportError | ResponseDecodeError> => {
  const readFailed = (e: unknown) =>
    e instanceof ResponseDecodeError
      ? e
      : new TransportError({
          reason: `reading the response of ${response.request.method} ${response.request.url.split("?")[0]} failed: ${
            HttpClientError.isHttpClientError(e) ? describe(e) : e instanceof Error ? e.message : String(e)
          }`,
        })
  const declared = response.headers["content-length"]
  if (declared !== undefined && /^\d+$/.test(declared)) {
    // The common case: the size is known up front, so refuse or read at once.
    if (Number(declared) > max) return Effect.andThen(release(response), Effect.fail(tooLarge(response.status, max)))
    return Effect.mapError(
      Effect.map(response.arrayBuffer, (buf) => decoder.decode(buf)),
      readFailed,
    )
  }
  // Chunked: count bytes as they come and stop at the cap. Failing the
  // stream ends it, which cancels the body and so releases the connection.
  return Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return response.stream.pipe(
      Stream.runForEachArray((array) => {
        for (const chunk of array) {
          size += chunk.byteLength
          if (size > max) return Effect.fail(tooLarge(response.status, max))
          chunks.push(chunk)
        }
        return Effect.void
      }),
      Effect.map(() => decoder.decode(concat(chunks, size))),
      Effect.catchIf(
        (e) => HttpClientError.isHttpClientError(e) && e.reason._tag === "EmptyBodyError",
        () => Effect.succeed(""),
      ),
      Effect.mapError(readFailed),
    )
  })
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
    config: Pick<AtlasConfig, "baseUrl" | "maxConnections" | "maxResponseBytes" | "timeoutMillis">,
  ): Layer.Layer<AtlasTransport, never, HttpClient.HttpClient> =>
    Layer.effect(
      AtlasTransport,
      Effect.gen(function* () {
        // Not `withScope`: a request is aborted on interruption (a timeout)
        // while sending or reading, and not needlessly once it completed.
        const client = yield* HttpClient.HttpClient
        const permits = yield* Semaphore.make(config.maxConnections)
        const max = config.maxResponseBytes
        const timeout = config.timeoutMillis
        const send = (request: HttpClientRequest.HttpClientRequest) =>
          Effect.gen(function* () {
            const attempt = yield* CurrentAttempt
            const what = `${request.method} ${request.url.split("?")[0]}`
            // Inside the permit: time queued for a connection is not the
            // server's slowness. Interruption aborts the request.
            const started = yield* Clock.currentTimeMillis
            const spent = attempt?.spentMillis ?? 0
            // The attempt's earlier round trips used it all up: no further request.
            if (spent > 0 && spent >= timeout) return yield* new Timeout({ afterMillis: timeout, what })
            const left = timeout - spent
            return yield* client.execute(request).pipe(
              Effect.mapError((e) => new TransportError({ reason: describe(e) })),
              Effect.flatMap((response) =>
                Effect.map(readBody(response, max), (body) => ({
                  status: response.status,
                  headers: response.headers as Readonly<Record<string, string>>,
                  body,
                })),
              ),
              Effect.timeoutOrElse({
                duration: left,
                orElse: () => Effect.fail(new Timeout({ afterMillis: timeout, what })),
              }),
              Effect.ensuring(
                Effect.flatMap(Clock.currentTimeMillis, (now) =>
                  Effect.sync(() => {
                    if (attempt !== undefined) attempt.spentMillis += now - started
                  }),
                ),
              ),
            )
          }).pipe(
            Semaphore.withPermits(permits, 1),
            // `FlexRestoreJobs.get` is the span; a child span per exchange
            // would cost more than the call's own work, and trace headers
            // have no business travelling to MongoDB.
            Effect.provideService(HttpClient.TracerDisabledWhen, disabled),
          )
        return AtlasTransport.of({ baseUrl: config.baseUrl, send })
      }),
    )
}
