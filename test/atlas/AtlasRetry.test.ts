import { assert, describe, it } from "@effect/vitest"
import {
  AuthError,
  BadRequest,
  Forbidden,
  InvalidRequest,
  NotFound,
  RateLimited,
  ResponseDecodeError,
  ServerError,
  Timeout,
  TransportError,
  Unauthorized,
  UnexpectedStatus,
} from "../../src/atlas/AtlasError.js"
import type { AtlasError } from "../../src/atlas/AtlasError.js"
import { isRetryable } from "../../src/atlas/AtlasRetry.js"

describe("isRetryable", () => {
  it("retries 429, 5xx, transport failures and timeouts; nothing else", () => {
    const cases: ReadonlyArray<[AtlasError, boolean]> = [
      [new RateLimited({ status: 429 }), true],
      [new ServerError({ status: 503 }), true],
      [new TransportError({ reason: "reset" }), true],
      [new Timeout({ afterMillis: 1000, what: "the request" }), true],
      [new BadRequest({ status: 400 }), false],
      [new Unauthorized({ status: 401 }), false],
      [new Forbidden({ status: 403 }), false],
      [new NotFound({ status: 404 }), false],
      [new UnexpectedStatus({ status: 406 }), false],
      [new ResponseDecodeError({ status: 200, reason: "not JSON" }), false],
      [new InvalidRequest({ fields: [] }), false],
    ]
    // strictEqual: the answer is a boolean, never undefined.
    assert.deepStrictEqual(
      cases.map(([error]) => [error._tag, isRetryable(error)]),
      cases.map(([error, retryable]) => [error._tag, retryable]),
    )
  })

  it("retries an AuthError from the token endpoint only on 429 or 5xx, never one without a status", () => {
    const statuses = [undefined, 400, 401, 403, 428, 429, 430, 499, 500, 501, 503, 599] as const
    assert.deepStrictEqual(
      statuses.map((status) =>
        isRetryable(new AuthError({ reason: "token", ...(status === undefined ? {} : { status }) })),
      ),
      [false, false, false, false, false, true, false, false, true, true, true, true],
    )
  })
})
