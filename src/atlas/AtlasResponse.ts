/**
 * Turning a raw Atlas response into a decoded job or a typed error: envelope
 * unwrapping, lenient decoding, and the status → error class mapping.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import {
  BadRequest,
  Forbidden,
  NotFound,
  RateLimited,
  ResponseDecodeError,
  ServerError,
  Unauthorized,
  UnexpectedStatus,
} from "./AtlasError.js"
import type { ApiError, ApiErrorFields } from "./AtlasError.js"
import type { RawResponse } from "./AtlasTransport.js"
import { FlexRestoreJob } from "./FlexRestoreJob.js"
import { maskSecrets } from "./maskSecrets.js"

/** Masks the strings of a JSON value, however deep: a server may echo a secret anywhere in an error. */
const maskDeep = (value: unknown, secrets: ReadonlyArray<string>): unknown => {
  if (typeof value === "string") return maskSecrets(value, secrets)
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secrets))
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, secrets)]))
  return value
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const parse = (body: string): Result.Result<unknown, string> => {
  try {
    return Result.succeed(JSON.parse(body))
  } catch {
    // Not JSON.parse's message: it quotes the start of the body, and a cut-off secret there could not be masked.
    return Result.fail(body.trim() === "" ? "the body is empty" : "the body is not JSON")
  }
}

/**
 * Seconds to wait from a `Retry-After` value (delta-seconds or an HTTP date).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, Math.ceil((date - nowMillis) / 1000))
}

/**
 * The API error fields of a body, read leniently: wrong types are dropped,
 * `parameters` may hold anything.
 */
const errorFields = (
  status: number,
  raw: unknown,
  headers: RawResponse["headers"],
  secrets: ReadonlyArray<string>,
): ApiErrorFields => {
  const b = maskDeep(isObject(raw) ? raw : {}, secrets) as Record<string, unknown>
  const headerCode = headers["x-error-code"]
  const errorCode = typeof b["errorCode"] === "string" ? b["errorCode"] : headerCode && maskSecrets(headerCode, secrets)
  const fields: { -readonly [K in keyof ApiErrorFields]: ApiErrorFields[K] } = { status }
  if (errorCode) fields.errorCode = errorCode
  if (typeof b["detail"] === "string") fields.detail = b["detail"]
  if (typeof b["reason"] === "string") fields.reason = b["reason"]
  if (Array.isArray(b["parameters"])) fields.parameters = b["parameters"]
  const brd = b["badRequestDetail"]
  if (isObject(brd)) {
    const list = Array.isArray(brd["fields"]) ? brd["fields"] : undefined
    fields.badRequestDetail =
      list === undefined
        ? {}
        : {
            fields: list.filter(isObject).map((f) => ({
              ...(typeof f["field"] === "string" ? { field: f["field"] } : {}),
              ...(typeof f["description"] === "string" ? { description: f["description"] } : {}),
            })),
          }
  }
  return fields
}

/**
 * The typed error for a non-2xx status.
 *
 * @since 0.1.0
 * @category errors
 */
export const apiError = (
  status: number,
  body: unknown,
  headers: RawResponse["headers"],
  retryAfterSeconds: number | undefined,
  secrets: ReadonlyArray<string>,
): ApiError => {
  const fields = errorFields(status, body, headers, secrets)
  switch (true) {
    case status === 400:
      return new BadRequest(fields)
    case status === 401:
      return new Unauthorized(fields)
    case status === 403:
      return new Forbidden(fields)
    case status === 404:
      return new NotFound(fields)
    case status === 429:
      return new RateLimited(retryAfterSeconds === undefined ? fields : { ...fields, retryAfterSeconds })
    case status >= 500 && status <= 599:
      return new ServerError(fields)
    default:
      return new UnexpectedStatus(fields)
  }
}

/**
 * The `Unauthorized` for a 401 whose challenge could not be followed, with
 * the body's fields and why (`challenge`).
 *
 * @since 0.1.0
 * @category errors
 */
export const unfollowedChallenge = (
  response: RawResponse,
  challenge: string,
  secrets: ReadonlyArray<string>,
): Unauthorized => {
  const body = parse(response.body)
  const fields = errorFields(
    response.status,
    Result.isSuccess(body) ? body.success : undefined,
    response.headers,
    secrets,
  )
  return new Unauthorized({ ...fields, challenge })
}

const decodeJob = Schema.decodeUnknownResult(FlexRestoreJob)

/**
 * Reads a response: the job on 2xx, else the typed error. With `envelope`,
 * a `{ status, content }` body stands for its content with that status.
 *
 * @since 0.1.0
 * @category decoding
 */
export const interpretResponse = (
  response: RawResponse,
  options: {
    readonly envelope: boolean
    readonly nowMillis: number
    /** Masked wherever the answer is echoed into an error (its fields, a decoding message). */
    readonly secrets: ReadonlyArray<string>
  },
): Result.Result<FlexRestoreJob, ApiError | ResponseDecodeError> => {
  const secrets = options.secrets
  const decodeError = (status: number, reason: string) =>
    Result.fail(new ResponseDecodeError({ status, reason: maskSecrets(reason, secrets) }))
  let status = response.status
  let body = parse(response.body)
  if (options.envelope && Result.isSuccess(body) && isObject(body.success)) {
    const wrapped = body.success
    if (typeof wrapped["status"] === "number" && "content" in wrapped) {
      status = wrapped["status"]
      body = Result.succeed(wrapped["content"])
    }
  }
  if (status >= 200 && status <= 299) {
    if (Result.isFailure(body)) return decodeError(status, body.failure)
    if (!isObject(body.success)) {
      const kind = Array.isArray(body.success) ? "an array" : body.success === null ? "null" : typeof body.success
      return decodeError(status, `expected a JSON object, got ${kind}`)
    }
    const job = decodeJob(body.success)
    if (Result.isFailure(job)) return decodeError(status, `not shaped like a restore job: ${job.failure.message}`)
    const decoded: FlexRestoreJob = job.success
    return Result.succeed(decoded)
  }
  const retryAfter = parseRetryAfter(response.headers["retry-after"], options.nowMillis)
  return Result.fail(
    apiError(status, Result.isSuccess(body) ? body.success : undefined, response.headers, retryAfter, secrets),
  )
}
