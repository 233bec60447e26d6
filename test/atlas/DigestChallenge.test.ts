import { assert, describe, it } from "@effect/vitest"
import { Redacted, Result } from "effect"
import { createHash } from "node:crypto"
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

describe("parseDigestChallenge, exactly", () => {
  const reasonOf = (header: string | undefined) => {
    const r = parseDigestChallenge(header)
    return Result.isFailure(r) ? r.failure.reason : undefined
  }

  it("says why a header holds no usable challenge", () => {
    assert.strictEqual(reasonOf("  "), "the server sent no Digest challenge (no WWW-Authenticate header)")
    assert.strictEqual(reasonOf('Digest realm="x"'), "the server's Digest challenge has no nonce")
    assert.strictEqual(
      reasonOf('Digest nonce="n", algorithm=sha-999'),
      "the server's Digest challenge asks for an unsupported algorithm (SHA-999)",
    )
    assert.strictEqual(
      reasonOf('Digest nonce="n", qop="auth-int, x"'),
      "the server's Digest challenge offers no supported qop (auth-int, x)",
    )
  })

  it("names at most three offered schemes, capitalised, once each, and only token-like ones", () => {
    assert.strictEqual(
      reasonOf('Basic realm="x", bearer realm="y", Basic realm="z", Negotiate a, Hoba b'),
      "the server's WWW-Authenticate header holds no Digest challenge (it offers Basic, Bearer, Negotiate)",
    )
    assert.strictEqual(reasonOf('Very$odd realm="x"'), "the server's WWW-Authenticate header holds no Digest challenge")
    assert.strictEqual(
      reasonOf(`${"a".repeat(21)} realm="x", ${"b".repeat(20)} realm="y"`),
      `the server's WWW-Authenticate header holds no Digest challenge (it offers B${"b".repeat(19)})`,
    )
  })

  it("reads stale as a case-insensitive true, false otherwise", () => {
    assert.isTrue(ok('Digest nonce="n", stale="True"').stale)
    assert.isFalse(ok('Digest nonce="n", stale=false').stale)
    assert.isFalse(ok('Digest nonce="n", stale=yes').stale)
    assert.isFalse(ok('Digest nonce="n"').stale)
  })

  it("keeps the first of repeated parameters, an empty algorithm is MD5, the realm defaults to empty", () => {
    const c = ok('Digest nonce="first", nonce="second", algorithm=""')
    assert.deepStrictEqual(c, { realm: "", nonce: "first", algorithm: "MD5", qop: [], stale: false })
  })

  it("treats tabs and line breaks as spaces, and reads up to an unterminated quote's end", () => {
    const c = ok('Digest\r\n\trealm\t=\t"r",\nqop=AUTH\tnonce="abc')
    assert.deepStrictEqual([c.realm, c.qop, c.nonce], ["r", ["auth"], "abc"])
  })

  it("reads a quoted value with a trailing backslash and a flag at the end of a challenge", () => {
    const c = ok('Digest realm="a\\\\b", userhash, nonce="n\\')
    assert.deepStrictEqual([c.realm, c.nonce], ["a\\b", "n\\"])
    const d = ok('Digest nonce="n", userhash')
    assert.strictEqual(d.nonce, "n")
  })
})

describe("digestAuthorization, exactly", () => {
  const h = (algorithm: string, s: string) => createHash(algorithm).update(s, "utf8").digest("hex")
  // RFC 7616 section 3.9.1.
  const rfc7616 = (algorithm: string) =>
    digestAuthorization({
      challenge: {
        realm: "http-auth@example.org",
        nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
        algorithm,
        qop: ["auth", "auth-int"],
        stale: false,
      },
      username: "Mufasa",
      password: Redacted.make("Circle of Life"),
      method: "GET",
      uri: "/dir/index.html",
      nc: 1,
      cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    })

  it("matches the RFC 7616 examples (MD5 and SHA-256), header and all", () => {
    const rest = (algorithm: string, response: string) =>
      'Digest username="Mufasa", realm="http-auth@example.org", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
      `uri="/dir/index.html", algorithm=${algorithm}, response="${response}", qop=auth, nc=00000001, ` +
      'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    assert.strictEqual(rfc7616("MD5"), rest("MD5", "8ca523f5e9506fed4657c9700eebdbec"))
    assert.strictEqual(
      rfc7616("SHA-256"),
      rest("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    )
  })

  for (const [algorithm, hash] of [
    ["MD5-SESS", "md5"],
    ["SHA-256-SESS", "sha256"],
    ["SHA-512-256", "sha512-256"],
    ["SHA-512-256-SESS", "sha512-256"],
  ] as const) {
    it(`hashes ${algorithm} with ${hash}${algorithm.endsWith("-SESS") ? ", the session key bound to nonce and cnonce" : ""}`, () => {
      const nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
      const cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
      let ha1 = h(hash, "Mufasa:http-auth@example.org:Circle of Life")
      if (algorithm.endsWith("-SESS")) ha1 = h(hash, `${ha1}:${nonce}:${cnonce}`)
      const expected = h(hash, `${ha1}:${nonce}:00000001:${cnonce}:auth:${h(hash, "GET:/dir/index.html")}`)
      assert.include(rfc7616(algorithm), `algorithm=${algorithm}, response="${expected}", `)
    })
  }

  it("answers the legacy challenge without qop: no qop, nc or cnonce, and no opaque when none was given", () => {
    const header = digestAuthorization({
      challenge: { realm: "r", nonce: "n", algorithm: "MD5", qop: [], stale: false },
      username: "u",
      password: Redacted.make("p"),
      method: "GET",
      uri: "/x?y=1",
      nc: 1,
      cnonce: "c",
    })
    const response = h("md5", `${h("md5", "u:r:p")}:n:${h("md5", "GET:/x?y=1")}`)
    assert.strictEqual(
      header,
      `Digest username="u", realm="r", nonce="n", uri="/x?y=1", algorithm=MD5, response="${response}"`,
    )
  })

  it("escapes quotes and backslashes in quoted values, and draws a fresh cnonce by default", () => {
    const answer = () =>
      digestAuthorization({
        challenge: { realm: 'r"1', nonce: "n\\2", algorithm: "MD5", qop: ["auth"], stale: false },
        username: 'u"\\',
        password: Redacted.make("p"),
        method: "GET",
        uri: "/",
        nc: 1,
      })
    const a = answer()
    assert.include(a, 'username="u\\"\\\\", realm="r\\"1", nonce="n\\\\2"')
    const cnonce = /cnonce="([0-9a-f]+)"/.exec(a)?.[1]
    assert.strictEqual(cnonce?.length, 24)
    assert.notStrictEqual(/cnonce="([0-9a-f]+)"/.exec(answer())?.[1], cnonce)
  })
})

describe("parseDigestChallenge, the tokenizer's edges", () => {
  const reasonOf = (header: string) => {
    const r = parseDigestChallenge(header)
    return Result.isFailure(r) ? r.failure.reason : undefined
  }
  const offers = (names: string) =>
    `the server's WWW-Authenticate header holds no Digest challenge (it offers ${names})`

  it("reads parameters separated by spaces only, the value after a closing quote not read again", () => {
    assert.deepStrictEqual(ok('Digest realm="r" nonce="n" qop="auth"'), {
      realm: "r",
      nonce: "n",
      algorithm: "MD5",
      qop: ["auth"],
      stale: false,
    })
  })

  it("takes a lone scheme name, or one followed by a comma, as a scheme", () => {
    assert.strictEqual(reasonOf("Negotiate"), offers("Negotiate"))
    assert.strictEqual(ok('Digest, nonce="n", realm="r"').nonce, "n")
  })

  it("takes a bare token at the end of a challenge as a flag, not as another scheme", () => {
    assert.strictEqual(reasonOf('Basic realm="x", userhash'), offers("Basic"))
    assert.strictEqual(reasonOf('Basic realm="x", userhash,'), offers("Basic"))
  })

  it("keeps parameters before any scheme out of every scheme, and the schemes after them", () => {
    assert.strictEqual(reasonOf('realm="x", Basic realm="y"'), offers("Basic"))
    assert.strictEqual(ok('nonce="orphan", Digest nonce="n"').nonce, "n")
  })

  it("skips a stray '=' and reads the token after it as a scheme", () => {
    assert.strictEqual(reasonOf('=abc Basic realm="x"'), offers("Abc, Basic"))
    assert.strictEqual(reasonOf(' = abc Basic realm="x"'), offers("Abc, Basic"))
  })

  it("drops empty qop entries: an empty or comma-only qop is the legacy form", () => {
    assert.deepStrictEqual(ok('Digest nonce="n", qop=" auth , "').qop, ["auth"])
    assert.deepStrictEqual(ok('Digest nonce="n", qop=""').qop, [])
    assert.deepStrictEqual(ok('Digest nonce="n", qop=","').qop, [])
  })
})

describe("digestAuthorization, a challenge not from the parser", () => {
  it("hashes an algorithm it does not know (here lower-case) as MD5, and names it as given", () => {
    const answer = (algorithm: string) =>
      digestAuthorization({
        challenge: { realm: "r", nonce: "n", algorithm, qop: ["auth"], stale: false },
        username: "u",
        password: Redacted.make("p"),
        method: "GET",
        uri: "/",
        nc: 1,
        cnonce: "c",
      })
    assert.strictEqual(answer("md5"), answer("MD5").replace("algorithm=MD5", "algorithm=md5"))
  })
})
