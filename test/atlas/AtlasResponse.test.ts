/**
 * `AtlasResponse` on its own, no transport: `Retry-After` parsing (seconds,
 * fractions, HTTP dates, garbage), the empty/not-JSON distinction, the
 * envelope unwrapped only when asked and only when it has both `status` and
 * `content`, and the edges of the status → error mapping.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { apiError, interpretResponse, parseRetryAfter } from "../../src/atlas/AtlasResponse.js"

const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")

describe("parseRetryAfter", () => {
  it("reads delta-seconds, whole or fractional, around spaces", () => {
    assert.deepStrictEqual(
      ["7", " 7 ", "\t30\n", "1.25", "1.5", "0"].map((v) => parseRetryAfter(v, now)),
      [7, 7, 30, 1.25, 1.5, 0],
    )
  })

  it("reads an HTTP date as the whole seconds until it, rounded up, never negative", () => {
    assert.strictEqual(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), 30)
    assert.strictEqual(parseRetryAfter("Wed, 21 Oct 2015 07:28:01 GMT", now - 200), 2)
    assert.strictEqual(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0)
  })

  it("gives undefined for no header and for what is neither a number nor a date", () => {
    assert.deepStrictEqual(
      [undefined, "soon", "abc5", "5abc", "", "-"].map((v) => parseRetryAfter(v, now)),
      [undefined, undefined, undefined, undefined, undefined, undefined],
    )
  })
})

describe("interpretResponse", () => {
  const read = (status: number, body: string, envelope = false) =>
    interpretResponse({ status, headers: {}, body }, { envelope, nowMillis: now, secrets: [] })
  const failure = (r: ReturnType<typeof read>) => {
    if (Result.isSuccess(r)) throw new Error("expected a failure")
    return r.failure
  }

  it("tells an empty (or blank) 2xx body from one that is not JSON", () => {
    for (const body of ["", "  \r\n\t"]) {
      const e = failure(read(200, body))
      assert.deepStrictEqual(
        [e._tag, e.status, (e as { reason?: string }).reason],
        ["ResponseDecodeError", 200, "the body is empty"],
      )
    }
    const e = failure(read(200, " nope "))
    assert.deepStrictEqual([e._tag, (e as { reason?: string }).reason], ["ResponseDecodeError", "the body is not JSON"])
  })

  it("unwraps { status, content } only with envelope", () => {
    const wrapped = JSON.stringify({ status: 404, content: { errorCode: "NOT_FOUND", detail: "gone" } })
    const unwrapped = failure(read(200, wrapped, true))
    assert.deepStrictEqual([unwrapped._tag, unwrapped.status], ["NotFound", 404])
    // Without envelope it is a job-shaped answer of 200: status must be a string there.
    const plain = failure(read(200, wrapped))
    assert.deepStrictEqual([plain._tag, plain.status], ["ResponseDecodeError", 200])
    assert.match((plain as { reason?: string }).reason ?? "", /^not shaped like a restore job: /)
  })

  it("leaves an enveloped object without both status and content as the body itself", () => {
    const statusOnly = failure(read(200, JSON.stringify({ status: 404 }), true))
    assert.deepStrictEqual([statusOnly._tag, statusOnly.status], ["ResponseDecodeError", 200])
    assert.match((statusOnly as { reason?: string }).reason ?? "", /^not shaped like a restore job: /)
    const contentOnly = read(200, JSON.stringify({ content: null }), true)
    assert.isTrue(Result.isSuccess(contentOnly))
    const notJson = failure(read(200, "<html>", true))
    assert.deepStrictEqual(
      [notJson._tag, (notJson as { reason?: string }).reason],
      ["ResponseDecodeError", "the body is not JSON"],
    )
  })
})

describe("apiError", () => {
  it("maps 500 to 599 to ServerError, above that to UnexpectedStatus", () => {
    assert.deepStrictEqual(
      [499, 500, 599, 600, 999].map((status) => apiError(status, {}, {}, undefined, [])._tag),
      ["UnexpectedStatus", "ServerError", "ServerError", "UnexpectedStatus", "UnexpectedStatus"],
    )
  })

  it("without secrets keeps the body's fields verbatim", () => {
    const e = apiError(
      400,
      { detail: "value abcd is bad", reason: "Bad Request" },
      { "x-error-code": "X" },
      undefined,
      [],
    )
    assert.deepStrictEqual(
      [e._tag, e.errorCode, e.detail, e.reason],
      ["BadRequest", "X", "value abcd is bad", "Bad Request"],
    )
  })
})
