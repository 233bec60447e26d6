/**
 * The retry policy: which failures are worth another attempt, and how long to
 * wait before it (exponential backoff with jitter, `Retry-After` honoured as
 * a minimum but capped).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { AtlasError } from "./AtlasError.js"
import type { AtlasConfig } from "./AtlasConfig.js"

/**
 * 429, 5xx, transport failures and timeouts are transient; so is a token
 * endpoint answering 429 or 5xx. Every other error is final.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: AtlasError): boolean => {
  switch (error._tag) {
    case "RateLimited":
    case "ServerError":
    case "TransportError":
    case "Timeout":
      return true
    case "AuthError":
      return error.status !== undefined && (error.status === 429 || error.status >= 500)
    default:
      return false
  }
}

/**
 * The delay before retry number `retry` (0 for the first retry): the
 * exponential delay with "equal jitter" (between half and all of it), raised
 * to `Retry-After` when the server sent one, `Retry-After` itself capped.
 *
 * @since 0.1.0
 * @category policies
 */
export const retryDelayMillis = (
  policy: AtlasConfig["retry"],
  retry: number,
  random: number,
  retryAfterSeconds: number | undefined,
): number => {
  const exponential = Math.min(policy.maxDelayMillis, policy.initialDelayMillis * 2 ** retry)
  const jittered = exponential / 2 + (exponential / 2) * random
  if (retryAfterSeconds === undefined) return Math.round(jittered)
  return Math.round(Math.max(jittered, Math.min(retryAfterSeconds * 1000, policy.retryAfterCapMillis)))
}

/**
 * Runs `attempt` until it succeeds, fails for good, or `maxAttempts` are spent;
 * the last error is the one returned.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withRetry = <A, E extends AtlasError, R>(
  attempt: Effect.Effect<A, E, R>,
  policy: AtlasConfig["retry"],
  retryAfterOf: (error: E) => number | undefined,
): Effect.Effect<A, E, R> => {
  const loop = (n: number): Effect.Effect<A, E, R> =>
    Effect.catchIf(
      attempt,
      (e: E) => n + 1 < policy.maxAttempts && isRetryable(e),
      (e: E) =>
        Effect.flatMap(Random.next, (random) =>
          Effect.andThen(
            Effect.sleep(retryDelayMillis(policy, n, random, retryAfterOf(e))),
            Effect.suspend(() => loop(n + 1)),
          ),
        ),
    )
  return loop(0)
}
