/**
 * The one-line messages of the typed errors, exactly: each class's label, the
 * status and error code, detail before reason, and the optional parts
 * (challenge, Retry-After, last status) present or absent.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
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
  WaitTimeout,
} from "../../src/atlas/AtlasError.js"
import { loadFresh } from "../fresh.js"

describe("AtlasError messages", () => {
  it("InvalidRequest lists every field with its value and rule", () => {
    const e = new InvalidRequest({
      fields: [
        { field: "groupId", value: "x y", rule: "24 hex digits" },
        { field: "name", value: "", rule: "non-empty" },
      ],
    })
    assert.strictEqual(e.message, 'Invalid request: groupId "x y" must be 24 hex digits; name "" must be non-empty')
  })

  it("API errors: label, status, error code, then the detail", () => {
    const fields = { status: 400, errorCode: "INVALID_ATTRIBUTE", detail: "the detail", reason: "Bad Request" }
    const labels = [
      [BadRequest, 400, "Bad request"],
      [Unauthorized, 401, "Unauthorized"],
      [Forbidden, 403, "Forbidden"],
      [NotFound, 404, "Not found"],
      [RateLimited, 429, "Rate limited"],
      [ServerError, 503, "Atlas server error"],
      [UnexpectedStatus, 410, "Unexpected response status"],
    ] as const
    for (const [ApiError, status, label] of labels)
      assert.strictEqual(
        new ApiError({ ...fields, status }).message,
        `${label} (HTTP ${status} INVALID_ATTRIBUTE): the detail`,
      )
  })

  it("API errors: the reason when there is no detail, nothing after the status when neither", () => {
    assert.strictEqual(new NotFound({ status: 404, reason: "Not Found" }).message, "Not found (HTTP 404): Not Found")
    assert.strictEqual(new ServerError({ status: 500 }).message, "Atlas server error (HTTP 500)")
    assert.strictEqual(new BadRequest({ status: 400, errorCode: "X" }).message, "Bad request (HTTP 400 X)")
  })

  it("Unauthorized names the challenge it could not follow, only when there is one", () => {
    assert.strictEqual(new Unauthorized({ status: 401 }).message, "Unauthorized (HTTP 401)")
    assert.strictEqual(
      new Unauthorized({ status: 401, errorCode: "E", challenge: "no nonce" }).message,
      "Unauthorized (HTTP 401 E) (no nonce)",
    )
  })

  it("RateLimited adds the Retry-After, only when Atlas sent one", () => {
    assert.strictEqual(new RateLimited({ status: 429 }).message, "Rate limited (HTTP 429)")
    assert.strictEqual(
      new RateLimited({ status: 429, detail: "slow down", retryAfterSeconds: 7 }).message,
      "Rate limited (HTTP 429): slow down (Retry-After 7s)",
    )
  })

  it("AuthError: the status and error code when it has them", () => {
    assert.strictEqual(new AuthError({ reason: "no credentials" }).message, "Authentication failed: no credentials")
    assert.strictEqual(
      new AuthError({ reason: "refused", status: 401 }).message,
      "Authentication failed (HTTP 401): refused",
    )
    assert.strictEqual(
      new AuthError({ reason: "refused", status: 401, errorCode: "invalid_client" }).message,
      "Authentication failed (HTTP 401 invalid_client): refused",
    )
  })

  it("the other errors", () => {
    assert.strictEqual(new TransportError({ reason: "ECONNREFUSED" }).message, "Transport error: ECONNREFUSED")
    assert.strictEqual(
      new Timeout({ afterMillis: 1500, what: "the request" }).message,
      "Timed out: the request took longer than 1500 ms",
    )
    assert.strictEqual(
      new ResponseDecodeError({ status: 200, reason: "not JSON" }).message,
      "Could not decode the response (HTTP 200): not JSON",
    )
    assert.strictEqual(
      new WaitTimeout({ afterMillis: 60000, lastStatus: "IN_PROGRESS" }).message,
      "The restore job did not finish within 60000 ms (last status IN_PROGRESS)",
    )
    assert.strictEqual(
      new WaitTimeout({ afterMillis: 5 }).message,
      "The restore job did not finish within 5 ms (last status unknown)",
    )
  })
})

describe("AtlasError loaded afresh (the classes' tags and fields, evaluated inside the test)", () => {
  it("every class decodes its tag and all its fields, extra keys dropped", async () => {
    // A second instance of the module, loaded by this test.
    const fresh = await loadFresh<typeof import("../../src/atlas/AtlasError.js")>(
      new URL("../../src/atlas/AtlasError.ts", import.meta.url),
    )
    expect(fresh.BadRequest).not.toBe(BadRequest)
    const api = {
      status: 400,
      errorCode: "CODE",
      detail: "the detail",
      reason: "Bad Request",
      parameters: ["p", 1],
      badRequestDetail: { fields: [{ field: "name", description: "too long" }] },
    }
    const samples: ReadonlyArray<readonly [Schema.Decoder<unknown>, Record<string, unknown>]> = [
      [fresh.InvalidRequest, { _tag: "InvalidRequest", fields: [{ field: "f", value: "v", rule: "r" }] }],
      [fresh.BadRequest, { _tag: "BadRequest", ...api }],
      [fresh.Unauthorized, { _tag: "Unauthorized", ...api, status: 401, challenge: "no nonce" }],
      [fresh.Forbidden, { _tag: "Forbidden", ...api, status: 403 }],
      [fresh.NotFound, { _tag: "NotFound", ...api, status: 404 }],
      [fresh.RateLimited, { _tag: "RateLimited", ...api, status: 429, retryAfterSeconds: 3 }],
      [fresh.ServerError, { _tag: "ServerError", ...api, status: 500 }],
      [fresh.UnexpectedStatus, { _tag: "UnexpectedStatus", ...api, status: 410 }],
      [fresh.TransportError, { _tag: "TransportError", reason: "ECONNRESET" }],
      [fresh.Timeout, { _tag: "Timeout", afterMillis: 5, what: "the request" }],
      [fresh.ResponseDecodeError, { _tag: "ResponseDecodeError", status: 200, reason: "not JSON" }],
      [fresh.AuthError, { _tag: "AuthError", reason: "refused", status: 401, errorCode: "E" }],
      [fresh.WaitTimeout, { _tag: "WaitTimeout", afterMillis: 9, lastStatus: "PENDING" }],
    ]
    for (const [schema, sample] of samples) {
      const decoded = Schema.decodeUnknownSync(schema)({ ...sample, extra: true }) as Record<string, unknown>
      expect({ ...decoded }).toStrictEqual(sample)
      expect(decoded).toBeInstanceOf(Error)
    }
    // The nested structs are checked too: extra keys dropped, a wrong type refused.
    const nested = Schema.decodeUnknownSync(fresh.BadRequest)({
      _tag: "BadRequest",
      status: 400,
      badRequestDetail: { fields: [{ field: "a", description: "b", extra: 1 }], extra: 2 },
    })
    expect(nested.badRequestDetail).toStrictEqual({ fields: [{ field: "a", description: "b" }] })
    expect(() =>
      Schema.decodeUnknownSync(fresh.BadRequest)({
        _tag: "BadRequest",
        status: 400,
        badRequestDetail: { fields: [{ field: 1 }] },
      }),
    ).toThrow()
    expect(() =>
      Schema.decodeUnknownSync(fresh.BadRequest)({ _tag: "BadRequest", status: 400, badRequestDetail: { fields: 1 } }),
    ).toThrow()
    const invalid = Schema.decodeUnknownSync(fresh.InvalidRequest)({
      _tag: "InvalidRequest",
      fields: [{ field: "f", value: "v", rule: "r", extra: 1 }],
    })
    expect(invalid.fields).toStrictEqual([{ field: "f", value: "v", rule: "r" }])
    expect(() =>
      Schema.decodeUnknownSync(fresh.InvalidRequest)({ _tag: "InvalidRequest", fields: [{ field: "f" }] }),
    ).toThrow()
    expect(new fresh.BadRequest({ status: 400, errorCode: "X", detail: "d" }).message).toBe(
      "Bad request (HTTP 400 X): d",
    )
  })
})
