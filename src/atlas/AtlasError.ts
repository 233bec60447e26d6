/**
 * The typed errors of the restore-job service: one tagged class per way a call
 * can fail. Every message is one readable line and never holds a secret.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * One field that failed input validation.
 *
 * @since 0.1.0
 * @category models
 */
export const InvalidField = Schema.Struct({
  field: Schema.String,
  value: Schema.String,
  rule: Schema.String,
})

/**
 * @since 0.1.0
 * @category models
 */
export type InvalidField = typeof InvalidField.Type

/**
 * The request was invalid before anything was sent; every bad field is listed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  fields: Schema.Array(InvalidField),
}) {
  override get message(): string {
    return `Invalid request: ${this.fields.map((f) => `${f.field} ${JSON.stringify(f.value)} must be ${f.rule}`).join("; ")}`
  }
}

/**
 * The fields of the error body Atlas sends (`ApiError`), read leniently.
 */
const apiErrorFields = {
  status: Schema.Number,
  errorCode: Schema.optionalKey(Schema.String),
  detail: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String),
  parameters: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  badRequestDetail: Schema.optionalKey(
    Schema.Struct({
      fields: Schema.optionalKey(
        Schema.Array(
          Schema.Struct({ field: Schema.optionalKey(Schema.String), description: Schema.optionalKey(Schema.String) }),
        ),
      ),
    }),
  ),
}

/**
 * The fields every API error carries.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiErrorFields {
  readonly status: number
  readonly errorCode?: string
  readonly detail?: string
  readonly reason?: string
  readonly parameters?: ReadonlyArray<unknown>
  readonly badRequestDetail?: {
    readonly fields?: ReadonlyArray<{ readonly field?: string; readonly description?: string }>
  }
}

const apiMessage = (label: string, e: ApiErrorFields): string =>
  [`${label} (HTTP ${e.status}${e.errorCode ? ` ${e.errorCode}` : ""})`, e.detail ?? e.reason]
    .filter(Boolean)
    .join(": ")

/**
 * 400: Atlas rejected the request (a non-flex cluster name gives
 * `CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API`).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", apiErrorFields) {
  override get message(): string {
    return apiMessage("Bad request", this)
  }
}

/**
 * 401: the credentials were not accepted, or (API keys) the answer's
 * challenge could not be followed; `challenge` then says why: it was not an
 * Atlas Digest challenge (a `base_url` that is not Atlas, or a proxy
 * answering for it), or the server declared the nonce it had just issued
 * stale a second time. Whatever the challenge, a 401 is this error with its
 * status.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  ...apiErrorFields,
  challenge: Schema.optionalKey(Schema.String),
}) {
  override get message(): string {
    return apiMessage("Unauthorized", this) + (this.challenge === undefined ? "" : ` (${this.challenge})`)
  }
}

/**
 * 403: the credentials lack the role or the IP access list refused the caller.
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", apiErrorFields) {
  override get message(): string {
    return apiMessage("Forbidden", this)
  }
}

/**
 * 404: no such project, cluster or restore job.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", apiErrorFields) {
  override get message(): string {
    return apiMessage("Not found", this)
  }
}

/**
 * 429: rate limited, after the retries allowed were spent. `retryAfterSeconds`
 * is the `Retry-After` Atlas sent, if any.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...apiErrorFields,
  retryAfterSeconds: Schema.optionalKey(Schema.Number),
}) {
  override get message(): string {
    const after = this.retryAfterSeconds === undefined ? "" : ` (Retry-After ${this.retryAfterSeconds}s)`
    return apiMessage("Rate limited", this) + after
  }
}

/**
 * 5xx: Atlas failed, after the retries allowed were spent.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", apiErrorFields) {
  override get message(): string {
    return apiMessage("Atlas server error", this)
  }
}

/**
 * Any other status: 406 (no acceptable API version), 410 (`VERSION_GONE`), ...
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>()("UnexpectedStatus", apiErrorFields) {
  override get message(): string {
    return apiMessage("Unexpected response status", this)
  }
}

/**
 * The request could not be sent or the response not read (DNS, refused,
 * reset, TLS), after the retries allowed were spent.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  reason: Schema.String,
}) {
  override get message(): string {
    return `Transport error: ${this.reason}`
  }
}

/**
 * An attempt, or the whole call, ran out of time.
 *
 * @since 0.1.0
 * @category errors
 */
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", {
  afterMillis: Schema.Number,
  what: Schema.String,
}) {
  override get message(): string {
    return `Timed out: ${this.what} took longer than ${this.afterMillis} ms`
  }
}

/**
 * The response was not JSON, or not an object, or not shaped like a job.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseDecodeError extends Schema.TaggedError<ResponseDecodeError>()("ResponseDecodeError", {
  status: Schema.Number,
  reason: Schema.String,
}) {
  override get message(): string {
    return `Could not decode the response (HTTP ${this.status}): ${this.reason}`
  }
}

/**
 * Authentication failed outside the API: before any request (no credentials
 * configured, no `status`), or at a service account's token endpoint (its
 * `status`; 429 and 5xx are retried). A 401 or 403 from the API itself is
 * `Unauthorized` or `Forbidden`, never this. `parseDigestChallenge` also
 * describes a challenge it cannot read with one.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthError extends Schema.TaggedError<AuthError>()("AuthError", {
  reason: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  errorCode: Schema.optionalKey(Schema.String),
}) {
  override get message(): string {
    const status =
      this.status === undefined ? "" : ` (HTTP ${this.status}${this.errorCode ? ` ${this.errorCode}` : ""})`
    return `Authentication failed${status}: ${this.reason}`
  }
}

/**
 * `wait` ran out of time before the job reached COMPLETED or FAILED.
 *
 * @since 0.1.0
 * @category errors
 */
export class WaitTimeout extends Schema.TaggedError<WaitTimeout>()("WaitTimeout", {
  afterMillis: Schema.Number,
  lastStatus: Schema.optionalKey(Schema.String),
}) {
  override get message(): string {
    return `The restore job did not finish within ${this.afterMillis} ms (last status ${this.lastStatus ?? "unknown"})`
  }
}

/**
 * The errors that answer from Atlas itself carry.
 *
 * @since 0.1.0
 * @category errors
 */
export type ApiError = BadRequest | Unauthorized | Forbidden | NotFound | RateLimited | ServerError | UnexpectedStatus

/**
 * Every way a call of the service can fail.
 *
 * @since 0.1.0
 * @category errors
 */
export type AtlasError = InvalidRequest | ApiError | TransportError | Timeout | ResponseDecodeError | AuthError
