/**
 * The live `FlexRestoreJobs` service: input validation, the versioned
 * request, authentication, per-attempt timeout, retries, decoding and error
 * mapping, assembled into one layer from options and the environment.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpClient } from "effect/http"
import { AtlasAuth } from "./AtlasAuth.js"
import { millis, resolveConfig, secretsOfAuth } from "./AtlasConfig.js"
import type { AtlasClientOptions, AtlasConfig } from "./AtlasConfig.js"
import { AuthError, InvalidRequest, WaitTimeout } from "./AtlasError.js"
import type { AtlasError } from "./AtlasError.js"
import { interpretResponse, parseRetryAfter } from "./AtlasResponse.js"
import { withRetry } from "./AtlasRetry.js"
import { AtlasTransport, asAttempt } from "./AtlasTransport.js"
import * as NodeHttpClient from "./NodeHttpClient.js"
import { checkRef, isTerminalStatus } from "./FlexRestoreJob.js"
import type { FlexRestoreJob, FlexRestoreJobRef } from "./FlexRestoreJob.js"
import { FlexRestoreJobs } from "./FlexRestoreJobs.js"
import type { GetOptions, WaitOptions } from "./FlexRestoreJobs.js"
import { userAgent } from "./UserAgent.js"

/**
 * The media type of the one API version of this operation.
 *
 * @since 0.1.0
 * @category constants
 */
export const AtlasMediaType = "application/vnd.atlas.2024-11-13+json"

/**
 * The defaults of `wait`.
 *
 * @since 0.1.0
 * @category constants
 */
export const WaitDefaults = { interval: Duration.seconds(5), timeout: Duration.minutes(30) } as const

/**
 * The problems of a reference, missing fields included.
 */
const validate = (ref: FlexRestoreJobRef | undefined): InvalidRequest | undefined => {
  const r = (ref ?? {}) as Partial<Record<keyof FlexRestoreJobRef, unknown>>
  const problems = checkRef({
    groupId: r.groupId ?? "",
    name: r.name ?? "",
    restoreJobId: r.restoreJobId ?? "",
  })
  return problems.length === 0 ? undefined : new InvalidRequest({ fields: problems })
}

/**
 * The request for one job. Each path segment is encoded even though
 * validation already restricts them: the URL must never be shaped by input.
 *
 * @since 0.1.0
 * @category constructors
 */
export const restoreJobRequest = (
  baseUrl: string,
  ref: FlexRestoreJobRef,
  options?: GetOptions,
): HttpClientRequest.HttpClientRequest => {
  const query: Array<string> = []
  if (options?.envelope === true) query.push("envelope=true")
  if (options?.pretty === true) query.push("pretty=true")
  const url =
    `${baseUrl}/api/atlas/v2/groups/${encodeURIComponent(ref.groupId)}` +
    `/flexClusters/${encodeURIComponent(ref.name)}` +
    `/backup/restoreJobs/${encodeURIComponent(ref.restoreJobId)}` +
    (query.length > 0 ? `?${query.join("&")}` : "")
  return HttpClientRequest.get(url, { headers: { accept: AtlasMediaType, "user-agent": userAgent() } })
}

/**
 * Builds the service over an `AtlasAuth` (which carries the transport).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: Pick<AtlasConfig, "baseUrl" | "baseUrlProblem" | "retry"> & Partial<Pick<AtlasConfig, "auth">>,
): Effect.Effect<typeof FlexRestoreJobs.Service, never, AtlasAuth> =>
  Effect.gen(function* () {
    const auth = yield* AtlasAuth
    // A server may echo a credential in its error body: masked in the error built from it, the configured
    // secret and what the mode obtained with it (a service account's token).
    const configured = config.auth === undefined ? [] : secretsOfAuth(config.auth)
    const secretsNow = () =>
      auth.obtainedSecrets === undefined ? configured : [...configured, ...auth.obtainedSecrets()]
    // Retry-After of errors whose class has no field for it (503).
    const retryAfter = new WeakMap<object, number>()

    const get = Effect.fn("FlexRestoreJobs.get")(function* (ref: FlexRestoreJobRef, options?: GetOptions) {
      const invalid = validate(ref)
      if (invalid !== undefined) return yield* invalid
      if (config.baseUrlProblem !== undefined) return yield* config.baseUrlProblem
      yield* Effect.annotateCurrentSpan({ groupId: ref.groupId, name: ref.name, restoreJobId: ref.restoreJobId })
      const request = restoreJobRequest(config.baseUrl, ref, options)
      const envelope = options?.envelope === true
      // One attempt: the request and its authentication round trips, under one `timeout`.
      const attempt = asAttempt(auth.send(request)).pipe(
        Effect.flatMap((response) =>
          Effect.flatMap(Clock.currentTimeMillis, (nowMillis) => {
            const result = interpretResponse(response, { envelope, nowMillis, secrets: secretsNow() })
            if (Result.isFailure(result) && result.failure._tag === "ServerError") {
              const seconds = parseRetryAfter(response.headers["retry-after"], nowMillis)
              if (seconds !== undefined) retryAfter.set(result.failure, seconds)
            }
            return Effect.fromResult(result)
          }),
        ),
      )
      return yield* withRetry<FlexRestoreJob, AtlasError, never>(attempt, config.retry, (e) =>
        e._tag === "RateLimited" ? e.retryAfterSeconds : retryAfter.get(e),
      )
    })

    const wait = Effect.fn("FlexRestoreJobs.wait")(function* (ref: FlexRestoreJobRef, options?: WaitOptions) {
      const interval = millis(options?.interval, WaitDefaults.interval)
      const timeout = millis(options?.timeout, WaitDefaults.timeout)
      const getOptions: GetOptions = { envelope: options?.envelope === true, pretty: options?.pretty === true }
      const onStatusChange = options?.onStatusChange
      const start = yield* Clock.currentTimeMillis
      let seen = false
      let lastStatus: string | undefined
      const poll: Effect.Effect<FlexRestoreJob, AtlasError> = Effect.gen(function* () {
        while (true) {
          const job = yield* get(ref, getOptions)
          if (!seen || job.status !== lastStatus) {
            seen = true
            lastStatus = job.status
            if (onStatusChange !== undefined) {
              const now = yield* Clock.currentTimeMillis
              yield* onStatusChange(job, now - start)
            }
          }
          if (isTerminalStatus(job.status)) return job
          yield* Effect.sleep(interval)
        }
      })
      return yield* poll.pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(new WaitTimeout({ afterMillis: timeout, ...(lastStatus !== undefined ? { lastStatus } : {}) })),
        }),
      )
    })

    return FlexRestoreJobs.of({ get, wait })
  })

/**
 * The layers of the live service.
 *
 * @since 0.1.0
 * @category layers
 */
export const FlexRestoreJobsLive = {
  /**
   * The service over the `HttpClient` in context, configured from `options`
   * and then the environment. Fails with `AuthError` when no credentials are
   * configured. A service account's token is revoked when the layer is released.
   */
  layer: (options?: AtlasClientOptions): Layer.Layer<FlexRestoreJobs, AuthError, HttpClient.HttpClient> =>
    Layer.unwrap(
      Effect.map(Effect.fromResult(resolveConfig(options)), (config) => FlexRestoreJobsLive.layerConfig(config)),
    ),

  /** The service over a resolved configuration. */
  layerConfig: (config: AtlasConfig): Layer.Layer<FlexRestoreJobs, never, HttpClient.HttpClient> =>
    Layer.effect(FlexRestoreJobs, make(config)).pipe(
      Layer.provide(AtlasAuth.layerConfig(config)),
      Layer.provide(AtlasTransport.layer(config)),
    ),

  /**
   * `layer` over `node:http`/`node:https` with a keep-alive agent of its own:
   * never more than `maxConnections` sockets to Atlas, idle ones included,
   * never a redirect followed, and every socket closed when the layer is
   * released. The layer to use in Node.
   */
  layerNode: (options?: AtlasClientOptions): Layer.Layer<FlexRestoreJobs, AuthError> =>
    Layer.unwrap(
      Effect.map(Effect.fromResult(resolveConfig(options)), (config) =>
        FlexRestoreJobsLive.layerConfig(config).pipe(
          Layer.provide(
            NodeHttpClient.layer({
              maxConnections: config.maxConnections,
              ...(options?.ca === undefined ? {} : { ca: options.ca }),
            }),
          ),
        ),
      ),
    ),

  /**
   * `layer` over the global `fetch` (browsers, edge runtimes, Deno, Bun).
   * Redirects are not followed: a credentialed request must never be
   * replayed to another host, so a 3xx is an `UnexpectedStatus`.
   * `maxConnections` caps the requests in flight; the sockets are fetch's
   * shared pool, which may hold more (use `layerNode` for a hard cap).
   */
  layerFetch: (options?: AtlasClientOptions): Layer.Layer<FlexRestoreJobs, AuthError> =>
    FlexRestoreJobsLive.layer(options).pipe(Layer.provide(FetchClient)),
}

/**
 * `FetchHttpClient` that leaves redirects to the caller.
 *
 * @since 0.1.0
 * @category layers
 */
export const FetchClient: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer.pipe(
  Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" })),
)
