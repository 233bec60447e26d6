/**
 * Authentication of requests to Atlas, one layer per mode: a ready bearer
 * token, a service account (OAuth client credentials, cached token), and API
 * keys (HTTP Digest with nonce reuse). `AtlasAuth.layerConfig` picks the mode
 * resolved from options and the environment.
 *
 * Each mode wraps the transport's `send`: it adds credentials and handles the
 * round trips its scheme needs (a challenge, a token), so callers see one
 * response per request whatever the mode.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { AuthError, ResponseDecodeError, Timeout, TransportError, Unauthorized } from "./AtlasError.js"
import type { AtlasConfig, ResolvedAuth } from "./AtlasConfig.js"
import { unfollowedChallenge } from "./AtlasResponse.js"
import { basicCredential, maskSecrets } from "./maskSecrets.js"
import { AtlasTransport } from "./AtlasTransport.js"
import type { RawResponse } from "./AtlasTransport.js"
import { digestAuthorization, parseDigestChallenge } from "./DigestChallenge.js"
import type { DigestChallenge } from "./DigestChallenge.js"

/**
 * What an authenticated send can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type AuthSendError = TransportError | ResponseDecodeError | AuthError | Timeout | Unauthorized

/**
 * @since 0.1.0
 * @category models
 */
export interface AtlasAuthShape {
  /** Which mode this is, for diagnostics. */
  readonly mode: ResolvedAuth["_tag"]
  /** Sends a request with credentials; a 401 that survives the mode's own retry is returned as is. */
  readonly send: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<RawResponse, AuthSendError>
  /** Secrets the mode obtained at run time (a service account's current token), to mask like the configured ones. */
  readonly obtainedSecrets?: () => ReadonlyArray<string>
}

const pathAndQuery = (url: string): string => {
  const u = new URL(url)
  return u.pathname + u.search
}

const decodeTokenResponse = Schema.decodeUnknownResult(
  Schema.fromJsonString(
    Schema.Struct({
      access_token: Schema.String,
      expires_in: Schema.optionalKey(Schema.Number),
      token_type: Schema.optionalKey(Schema.String),
    }),
  ),
)

const decodeJson = Schema.decodeUnknownResult(Schema.fromJsonString(Schema.Unknown))

const authErrorFrom = (what: string, response: RawResponse, secrets: ReadonlyArray<string>): AuthError => {
  // Not JSON (or not an object): the status and the x-error-code header say enough.
  const body = Result.getOrUndefined(decodeJson(response.body)) as Record<string, unknown> | null | undefined
  const field = (name: string): string | undefined => {
    const value = body?.[name]
    return typeof value === "string" ? value : undefined
  }
  // Atlas's own fields first, then OAuth's (RFC 6749 §5.2).
  const errorCode = field("errorCode") ?? field("error") ?? response.headers["x-error-code"]
  const detail = field("detail") ?? field("error_description")
  return new AuthError({
    reason: maskSecrets(`${what} failed${detail ? `: ${detail}` : ""}`, secrets),
    status: response.status,
    ...(errorCode ? { errorCode: maskSecrets(errorCode, secrets) } : {}),
  })
}

/**
 * How long before expiry a token is renewed: 10 minutes for Atlas's one-hour
 * tokens (as the Terraform provider does), a sixth of the lifetime for
 * shorter ones, so a short-lived token is still used for most of its life.
 */
const renewMargin = (lifetimeMillis: number) => Math.min(10 * 60_000, lifetimeMillis / 6)

/**
 * @since 0.1.0
 * @category services
 */
export class AtlasAuth extends Context.Service<AtlasAuth, AtlasAuthShape>()("atlas-flex-restore/AtlasAuth") {
  /**
   * A ready bearer token, sent as is.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerAccessToken = (
    accessToken: Redacted.Redacted<string>,
  ): Layer.Layer<AtlasAuth, never, AtlasTransport> =>
    Layer.effect(
      AtlasAuth,
      Effect.gen(function* () {
        const transport = yield* AtlasTransport
        return AtlasAuth.of({
          mode: "AccessToken",
          send: (request) =>
            transport.send(
              HttpClientRequest.setHeader(request, "authorization", `Bearer ${Redacted.value(accessToken)}`),
            ),
        })
      }),
    )

  /**
   * A service account: a token from `POST {base}/api/oauth/token`, cached and
   * renewed shortly before it expires, one refresh at a time however many
   * calls wait; on a 401 the token is dropped and the request retried once.
   * The token is revoked when the layer is released.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerServiceAccount = (
    clientId: string,
    clientSecret: Redacted.Redacted<string>,
  ): Layer.Layer<AtlasAuth, never, AtlasTransport> =>
    Layer.effect(
      AtlasAuth,
      Effect.gen(function* () {
        const transport = yield* AtlasTransport
        const lock = yield* Semaphore.make(1)
        let current: { readonly token: Redacted.Redacted<string>; readonly renewAt: number } | undefined
        const credential = basicCredential(clientId, Redacted.value(clientSecret))
        const authorization = `Basic ${credential}`

        const fetchToken = Effect.gen(function* () {
          const response = yield* transport.send(
            HttpClientRequest.post(`${transport.baseUrl}/api/oauth/token`).pipe(
              HttpClientRequest.setHeaders({ authorization, accept: "application/json" }),
              HttpClientRequest.bodyText("grant_type=client_credentials", "application/x-www-form-urlencoded"),
            ),
          )
          if (response.status !== 200)
            return yield* authErrorFrom("the service account token request", response, [
              Redacted.value(clientSecret),
              credential,
            ])
          const decoded = decodeTokenResponse(response.body)
          if (Result.isFailure(decoded)) {
            return yield* new AuthError({
              reason: "the token endpoint answered without an access_token",
              status: response.status,
            })
          }
          const now = yield* Clock.currentTimeMillis
          const lifetime = Math.max(0, (decoded.success.expires_in ?? 3600) * 1000)
          current = {
            token: Redacted.make(decoded.success.access_token),
            renewAt: now + lifetime - renewMargin(lifetime),
          }
          return current.token
        })

        const token = Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (current !== undefined && now < current.renewAt) return current.token
          return yield* Semaphore.withPermits(
            lock,
            1,
          )(
            Effect.gen(function* () {
              // Whoever held the lock before may have refreshed it already.
              const now = yield* Clock.currentTimeMillis
              if (current !== undefined && now < current.renewAt) return current.token
              return yield* fetchToken
            }),
          )
        })

        const sendWith = (
          request: HttpClientRequest.HttpClientRequest,
          retried: boolean,
        ): Effect.Effect<RawResponse, AuthSendError> =>
          Effect.gen(function* () {
            const used = yield* token
            const response = yield* transport.send(
              HttpClientRequest.setHeader(request, "authorization", `Bearer ${Redacted.value(used)}`),
            )
            if (response.status === 401 && !retried) {
              // Revoked or expired early: drop it, unless another call already did.
              if (current?.token === used) current = undefined
              return yield* sendWith(request, true)
            }
            return response
          })

        yield* Effect.addFinalizer(() =>
          Effect.suspend(() => {
            const last = current
            current = undefined
            if (last === undefined) return Effect.void
            return transport
              .send(
                HttpClientRequest.post(`${transport.baseUrl}/api/oauth/revoke`).pipe(
                  HttpClientRequest.setHeaders({ authorization, accept: "application/json" }),
                  HttpClientRequest.bodyText(
                    `token=${encodeURIComponent(Redacted.value(last.token))}&token_type_hint=access_token`,
                    "application/x-www-form-urlencoded",
                  ),
                ),
              )
              .pipe(Effect.timeout(Duration.seconds(5)), Effect.ignore)
          }),
        )

        return AtlasAuth.of({
          mode: "ServiceAccount",
          send: (request) => sendWith(request, false),
          obtainedSecrets: () => (current === undefined ? [] : [Redacted.value(current.token)]),
        })
      }),
    )

  /**
   * API keys over HTTP Digest. One challenge serves many requests: the nonce
   * is reused with an increasing `nc`, and concurrent first calls wait for a
   * single challenge. A 401 on a reused nonce (stale or not), or a 401
   * marked `stale=true` on a fresh one, re-challenges, at most once per
   * request: a second `stale=true` for the nonce just issued ends it as
   * `Unauthorized` (not retried), so a server that always answers stale
   * gets three requests, not a storm. A 401 whose challenge is not an
   * Atlas Digest challenge (Basic only, none, an unknown algorithm) is
   * `Unauthorized` saying so.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerDigest = (
    publicKey: string,
    privateKey: Redacted.Redacted<string>,
  ): Layer.Layer<AtlasAuth, never, AtlasTransport> =>
    Layer.effect(
      AtlasAuth,
      Effect.gen(function* () {
        const transport = yield* AtlasTransport
        let nonce: { readonly challenge: DigestChallenge; nc: number } | undefined
        // Set while one call fetches the first challenge; the others wait on it.
        let pending: Deferred.Deferred<void> | undefined

        const authorize = (
          request: HttpClientRequest.HttpClientRequest,
          state: { challenge: DigestChallenge; nc: number },
        ) =>
          HttpClientRequest.setHeader(
            request,
            "authorization",
            digestAuthorization({
              challenge: state.challenge,
              username: publicKey,
              password: privateKey,
              method: request.method,
              uri: pathAndQuery(request.url),
              nc: ++state.nc,
            }),
          )

        const secrets = [Redacted.value(privateKey)]
        const notAtlas = (response: RawResponse, reason: string) =>
          unfollowedChallenge(response, `${reason}: not the challenge Atlas sends`, secrets)

        const adopt = (response: RawResponse) =>
          Effect.suspend(() => {
            const parsed = parseDigestChallenge(response.headers["www-authenticate"])
            if (Result.isFailure(parsed)) return Effect.fail(notAtlas(response, parsed.failure.reason))
            const state = { challenge: parsed.success, nc: 0 }
            nonce = state
            return Effect.succeed(state)
          })

        /** Drops a nonce that ended in a refusal, unless another call replaced it already. */
        const forget = (state: { challenge: DigestChallenge; nc: number }) => {
          if (nonce === state) nonce = undefined
        }

        const sendAuthorized = (
          request: HttpClientRequest.HttpClientRequest,
          state: { challenge: DigestChallenge; nc: number },
          fresh: boolean,
          rechallenged: boolean,
        ): Effect.Effect<RawResponse, AuthSendError> =>
          Effect.gen(function* () {
            const response = yield* transport.send(authorize(request, state))
            if (response.status !== 401) return response
            const next = parseDigestChallenge(response.headers["www-authenticate"])
            if (Result.isFailure(next)) {
              forget(state)
              return yield* notAtlas(response, next.failure.reason)
            }
            // A reused nonce may have expired without the server saying stale;
            // a fresh one refused without stale=true means wrong keys.
            if (fresh && !next.success.stale) {
              forget(state)
              return response
            }
            if (rechallenged) {
              forget(state)
              return yield* unfollowedChallenge(
                response,
                "the server declared the nonce it had just issued stale again; a proxy in between, or Atlas's nonce store failing",
                secrets,
              )
            }
            const renewed = { challenge: next.success, nc: 0 }
            if (nonce === state || nonce === undefined) nonce = renewed
            return yield* sendAuthorized(request, renewed, true, true)
          })

        const send = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<RawResponse, AuthSendError> =>
          Effect.suspend(() => {
            if (nonce !== undefined) return sendAuthorized(request, nonce, false, false)
            if (pending !== undefined) return Effect.flatMap(Deferred.await(pending), () => send(request))
            const done = Deferred.makeUnsafe<void>()
            pending = done
            const release = Effect.sync(() => {
              if (pending === done) pending = undefined
              Deferred.doneUnsafe(done, Effect.void)
            })
            // Unauthenticated first: Atlas answers with the challenge, nothing else.
            return transport.send(request).pipe(
              Effect.flatMap((response) => {
                if (response.status !== 401) return Effect.succeed(response)
                return adopt(response).pipe(
                  Effect.tap(() => release),
                  Effect.flatMap((state) => sendAuthorized(request, state, true, false)),
                )
              }),
              Effect.ensuring(release),
            )
          })

        return AtlasAuth.of({ mode: "ApiKey", send })
      }),
    )

  /**
   * The layer of the mode a resolved configuration names.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerConfig = (config: Pick<AtlasConfig, "auth">): Layer.Layer<AtlasAuth, never, AtlasTransport> => {
    const auth = config.auth
    switch (auth._tag) {
      case "AccessToken":
        return AtlasAuth.layerAccessToken(auth.accessToken)
      case "ServiceAccount":
        return AtlasAuth.layerServiceAccount(auth.clientId, auth.clientSecret)
      case "ApiKey":
        return AtlasAuth.layerDigest(auth.publicKey, auth.privateKey)
    }
  }
}
