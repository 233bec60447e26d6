import { assert, describe, it } from "@effect/vitest"
import { Redacted, Result } from "effect"
import fc from "fast-check"
import { digestAuthorization, parseDigestChallenge } from "../../src/atlas/DigestChallenge.js"

const ok = (header: string) => {
  const r = parseDigestChallenge(header)
  if (Result.isFailure(r)) throw new Error(`expected a challenge from ${header}: ${r.failure.message}`)
  return r.success
}

describe("parseDigestChallenge", () => {
  it("reads Atlas's challenge, nonce with + / = intact", () => {
    const c = ok('Digest realm="MMS Public API", domain="", nonce="a+b/c==", algorithm=MD5, qop="auth", stale=false')
    assert.deepStrictEqual(c, {
      realm: "MMS Public API",
      nonce: "a+b/c==",
      algorithm: "MD5",
      qop: ["auth"],
      stale: false,
    })
  })

  it("reads unquoted values, including a nonce full of + / =", () => {
    const c = ok("Digest realm=atlas,nonce=Zm9v+/Ym==,qop=auth,stale=TRUE,opaque=xyz")
    assert.strictEqual(c.realm, "atlas")
    assert.strictEqual(c.nonce, "Zm9v+/Ym==")
    assert.strictEqual(c.opaque, "xyz")
    assert.isTrue(c.stale)
  })

  it("ignores unknown parameters and flags, and tolerates odd spacing and case", () => {
    const c = ok('  DIGEST   Realm = "r" ,  userhash=true, charset=UTF-8, weird, NONCE="n1" ,QOP="auth,auth-int"  ')
    assert.strictEqual(c.realm, "r")
    assert.strictEqual(c.nonce, "n1")
    assert.deepStrictEqual(c.qop, ["auth", "auth-int"])
  })

  it("finds the Digest challenge among several schemes", () => {
    const c = ok('Bearer realm="x", error="invalid_token", Digest realm="MMS Public API", nonce="n2", qop="auth"')
    assert.strictEqual(c.nonce, "n2")
    assert.strictEqual(c.realm, "MMS Public API")
    const d = ok('Negotiate abc==, Digest nonce="n3", realm="r"')
    assert.strictEqual(d.nonce, "n3")
  })

  it("unescapes quoted-pairs", () => {
    assert.strictEqual(ok('Digest realm="a \\"quoted\\" realm", nonce="n"').realm, 'a "quoted" realm')
  })

  it("defaults algorithm to MD5 and keeps the legacy form without qop", () => {
    const c = ok('Digest realm="r", nonce="n"')
    assert.strictEqual(c.algorithm, "MD5")
    assert.deepStrictEqual(c.qop, [])
  })

  const bad: ReadonlyArray<[string, string | undefined]> = [
    ["no header", undefined],
    ["an empty header", ""],
    ["another scheme only", 'Basic realm="x"'],
    ["no nonce", 'Digest realm="x", qop="auth"'],
    ["an unsupported algorithm", 'Digest realm="x", nonce="n", algorithm=SHA-999'],
    ["only auth-int", 'Digest realm="x", nonce="n", qop="auth-int"'],
    ["garbage", '=,,="""=\\'],
  ]
  for (const [what, header] of bad) {
    it(`fails with AuthError on ${what}`, () => {
      const r = parseDigestChallenge(header)
      assert.isTrue(Result.isFailure(r))
      if (Result.isFailure(r)) assert.strictEqual(r.failure._tag, "AuthError")
    })
  }

  it("never throws, whatever the input (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        const r = parseDigestChallenge(s)
        return Result.isSuccess(r) || r.failure._tag === "AuthError"
      }),
      { numRuns: 2000 },
    )
  })

  it("never throws on inputs that look like challenges (property)", () => {
    const piece = fc.oneof(
      fc.constantFrom(
        "Digest",
        "digest",
        "Basic",
        ",",
        " ",
        "=",
        '"',
        "\\",
        "nonce",
        "realm",
        "qop",
        "stale",
        "+",
        "/",
      ),
      fc.string({ maxLength: 8 }),
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const r = parseDigestChallenge(parts.join(""))
        return Result.isSuccess(r) || r.failure._tag === "AuthError"
      }),
      { numRuns: 3000 },
    )
  })

  it("reads back any nonce, realm and opaque it is given, quoted or not (property)", () => {
    const b64 = fc.stringMatching(/^[A-Za-z0-9+/]{1,40}={0,2}$/)
    const text = fc.string({ maxLength: 30 })
    fc.assert(
      fc.property(b64, text, b64, fc.boolean(), fc.boolean(), (nonce, realm, opaque, quoted, stale) => {
        const q = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`
        const header = `Digest realm=${q(realm)}, nonce=${quoted ? q(nonce) : nonce}, opaque=${
          quoted ? q(opaque) : opaque
        }, qop="auth", unknown="x, y", stale=${stale}`
        const c = ok(header)
        return c.nonce === nonce && c.realm === realm && c.opaque === opaque && c.stale === stale
      }),
      { numRuns: 1000 },
    )
  })
})

describe("digestAuthorization", () => {
  it("matches the RFC 2617 worked example", () => {
    const header = digestAuthorization({
      challenge: {
        realm: "testrealm@host.com",
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        opaque: "5ccc069c403ebaf9f0171e9517f40e41",
        algorithm: "MD5",
        qop: ["auth", "auth-int"],
        stale: false,
      },
      username: "Mufasa",
      password: Redacted.make("Circle Of Life"),
      method: "GET",
      uri: "/dir/index.html",
      nc: 1,
      cnonce: "0a4f113b",
    })
    assert.include(header, 'response="6629fae49393a05397450978507c4ef1"')
    assert.include(header, "nc=00000001")
    assert.include(header, 'opaque="5ccc069c403ebaf9f0171e9517f40e41"')
    assert.include(header, "qop=auth,")
    assert.notInclude(header, "Circle Of Life")
  })

  it("counts nc in eight hex digits", () => {
    const header = digestAuthorization({
      challenge: { realm: "r", nonce: "n", algorithm: "MD5", qop: ["auth"], stale: false },
      username: "u",
      password: Redacted.make("p"),
      method: "GET",
      uri: "/",
      nc: 255,
    })
    assert.include(header, "nc=000000ff")
  })
})
