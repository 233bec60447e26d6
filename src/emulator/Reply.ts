/**
 * What the emulator answers, as data: a status, headers and a body, built by
 * pure functions and written by one writer (which is where faults such as
 * truncation apply). The builders here give Atlas's shapes: versioned
 * content type for resources, `application/json` with `X-Error-Code` for
 * errors, the `{status, content}` envelope, and Atlas's pretty printing.
 *
 * @since 0.1.0
 */
import { STATUS_CODES } from "node:http"
import { prettyJson } from "./prettyJson.js"

/**
 * A JSON body of an exact size, streamed rather than held in memory.
 *
 * @since 0.1.0
 * @category models
 */
export interface PaddedBody {
  readonly bytes: number
}

/**
 * One response.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reply {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string | PaddedBody
}

/**
 * The one version of this operation, and the content type Atlas gives it.
 *
 * @since 0.1.0
 * @category constants
 */
export const ApiVersion = "2024-11-13"

/**
 * @since 0.1.0
 * @category constants
 */
export const VersionedContentType = `application/vnd.atlas.${ApiVersion}+json;charset=utf-8`

/**
 * How the caller asked the body to be shaped (`pretty`, `envelope`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly pretty: boolean
  readonly envelope: boolean
}

const plain: Shape = { pretty: false, envelope: false }

const serialise = (value: unknown, pretty: boolean) => (pretty ? prettyJson(value) : JSON.stringify(value))

/**
 * A resource answer (200), enveloped and pretty-printed on request.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resourceReply = (resource: unknown, shape: Shape, headers: Record<string, string> = {}): Reply => ({
  status: 200,
  headers: { "content-type": VersionedContentType, ...headers },
  body: serialise(shape.envelope ? { status: 200, content: resource } : resource, shape.pretty),
})

/**
 * The fields of an Atlas error beyond status and code.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorDetails {
  readonly detail: string
  /** Strings and numbers, as real Atlas sends them (the spec says objects). */
  readonly parameters?: ReadonlyArray<string | number>
  readonly badRequestDetail?: {
    readonly fields: ReadonlyArray<{ readonly field: string; readonly description: string }>
  }
  readonly headers?: Record<string, string>
}

/**
 * The body of an Atlas error, keys in the order Atlas prints them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const errorBody = (status: number, errorCode: string, details: ErrorDetails) => ({
  // Left out when undefined, by JSON.stringify and prettyJson alike.
  badRequestDetail: details.badRequestDetail,
  detail: details.detail,
  error: status,
  errorCode,
  parameters: details.parameters ?? [],
  reason: STATUS_CODES[status] ?? "Unknown",
})

/**
 * An error answer: `application/json`, `X-Error-Code`, and with `envelope`
 * HTTP 200 around `{status, content}` as Atlas does.
 *
 * @since 0.1.0
 * @category constructors
 */
export const errorReply = (status: number, errorCode: string, details: ErrorDetails, shape: Shape = plain): Reply => {
  const body = errorBody(status, errorCode, details)
  return {
    status: shape.envelope ? 200 : status,
    headers: { "content-type": "application/json", "x-error-code": errorCode, ...details.headers },
    body: serialise(shape.envelope ? { status, content: body } : body, shape.pretty),
  }
}

/**
 * The error code Atlas uses for a bare status, for faults that name only a status.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultErrorCode = (status: number): string => {
  switch (status) {
    case 400:
      return "INVALID_PARAMETER"
    case 401:
      return "USER_UNAUTHORIZED"
    case 403:
      return "FORBIDDEN"
    case 404:
      return "RESOURCE_NOT_FOUND"
    case 406:
      return "INVALID_VERSION_DATE"
    case 410:
      return "VERSION_GONE"
    case 429:
      return "RATE_LIMITED"
    case 503:
      return "SERVICE_UNAVAILABLE"
    default:
      return status >= 500 ? "UNEXPECTED_ERROR" : `HTTP_${status}`
  }
}

/**
 * An HTML error page such as a load balancer in front of Atlas sends.
 *
 * @since 0.1.0
 * @category constructors
 */
export const htmlReply = (status: number): Reply => {
  const title = `${status} ${STATUS_CODES[status] ?? "Error"}`
  return {
    status,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`,
  }
}

/**
 * The byte length of a body.
 *
 * @since 0.1.0
 * @category utils
 */
export const bodyLength = (body: string | PaddedBody): number =>
  typeof body === "string" ? Buffer.byteLength(body) : body.bytes
