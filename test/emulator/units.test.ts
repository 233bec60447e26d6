/**
 * The emulator's small parts on their own: Atlas-style pretty printing,
 * digest parameter parsing, and the token bucket's arithmetic.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseDigestParams } from "../../src/emulator/DigestAuth.js"
import { prettyJson } from "../../src/emulator/prettyJson.js"
import { TokenBucket } from "../../src/emulator/TokenBucket.js"

describe("prettyJson", () => {
  it("prints like Jackson's default pretty printer", () => {
    expect(prettyJson({ a: 1, b: [], c: {}, d: [{ e: "x" }], f: null, g: [1, "2"] })).toBe(
      '{\n  "a" : 1,\n  "b" : [ ],\n  "c" : { },\n  "d" : [ {\n    "e" : "x"\n  } ],\n  "f" : null,\n  "g" : [ 1, "2" ]\n}',
    )
  })

  it("round-trips any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(prettyJson(value))).toEqual(JSON.parse(JSON.stringify(value)))
      }),
    )
  })
})

describe("parseDigestParams", () => {
  it("reads quoted, escaped and bare values in any order, keeping + / = in nonces", () => {
    const params = parseDigestParams(
      'username="a\\"b", realm="MMS Public API", nonce="ab+/cd==", uri="/x?y=1,2", qop=auth, nc=0000000a, cnonce="c", response="r", algorithm=MD5',
    )
    expect(Object.fromEntries(params)).toEqual({
      username: 'a"b',
      realm: "MMS Public API",
      nonce: "ab+/cd==",
      uri: "/x?y=1,2",
      qop: "auth",
      nc: "0000000a",
      cnonce: "c",
      response: "r",
      algorithm: "MD5",
    })
  })

  it("lower-cases parameter names", () => {
    expect(parseDigestParams('Username="u", NC=00000001').get("username")).toBe("u")
  })
})

describe("TokenBucket", () => {
  it("starts full, empties, and refills continuously", () => {
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 4 }, 0)
    expect(bucket.take(0)).toEqual({ allowed: true, limit: 2, remaining: 1, retryAfterSeconds: 0 })
    expect(bucket.take(0).remaining).toBe(0)
    const refused = bucket.take(0)
    expect(refused.allowed).toBe(false)
    expect(refused.retryAfterSeconds).toBe(1)
    expect(bucket.take(250).allowed).toBe(true)
    expect(bucket.take(10_000).remaining).toBe(1)
  })

  it("never holds more than its capacity", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 50 }), (gaps) => {
        const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 2 }, 0)
        let t = 0
        for (const gap of gaps) {
          t += gap
          const taken = bucket.take(t)
          expect(taken.remaining).toBeLessThanOrEqual(4)
          expect(taken.remaining).toBeGreaterThanOrEqual(0)
        }
      }),
    )
  })
})
