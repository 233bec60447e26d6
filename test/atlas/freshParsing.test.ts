/**
 * The module-level code of the parsing modules (DigestChallenge, FlexRestoreJob,
 * AtlasConfig, AtlasResponse) judged on a copy of each module loaded afresh
 * inside the test: their top-level helpers (`isSpace`, `quote`, `redact`,
 * `isBlank`, `positiveInt`, `isObject`, ...), the digest algorithm table and
 * the job schemas are evaluated once, when the module loads. Stryker activates
 * a mutant after a test file's static imports have run, so only a copy loaded
 * in a test body (`loadFresh`, test/fresh.ts) sees it; the assertions below
 * are on what a server, a client or a user sees of that copy.
 */
import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Redacted, Result, Schema } from "effect"
import * as StaticDigest from "../../src/atlas/DigestChallenge.js"
import { loadFresh } from "../fresh.js"

/** A copy of `src/atlas/<file>` of its own, evaluated now (its imports stay the shared ones). */
const freshAtlas = <M>(file: string): Promise<M> => loadFresh<M>(new URL(`../../src/atlas/${file}`, import.meta.url))

describe("DigestChallenge loaded afresh (space test, algorithm table, quoting)", () => {
  it("parses challenges with spaces, tabs and line breaks, accepts every supported algorithm, and answers each exactly", async () => {
    const fresh = await freshAtlas<typeof import("../../src/atlas/DigestChallenge.js")>("DigestChallenge.ts")
    assert.notStrictEqual(fresh.parseDigestChallenge, StaticDigest.parseDigestChallenge)

    // Spaces, tabs and line breaks separate the scheme from its parameters and the parameters from each other.
    assert.deepStrictEqual(
      fresh.parseDigestChallenge('Digest realm="MMS Public API", nonce="a+b/c==",\talgorithm=MD5,\r\n qop="auth"'),
      Result.succeed({ realm: "MMS Public API", nonce: "a+b/c==", algorithm: "MD5", qop: ["auth"], stale: false }),
    )
    assert.deepStrictEqual(
      fresh.parseDigestChallenge("Digest\trealm=r\nnonce=n qop=auth"),
      Result.succeed({ realm: "r", nonce: "n", algorithm: "MD5", qop: ["auth"], stale: false }),
    )

    // RFC 7616 section 3.9.1, for each algorithm of the table: parsed from the header a server sends, then answered.
    const nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
    const cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    const opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
    const answer = (algorithm: string) => {
      const challenge = fresh.parseDigestChallenge(
        `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="${nonce}", opaque="${opaque}"`,
      )
      if (Result.isFailure(challenge)) return `refused: ${challenge.failure.reason}`
      return fresh.digestAuthorization({
        challenge: challenge.success,
        username: "Mufasa",
        password: Redacted.make("Circle of Life"),
        method: "GET",
        uri: "/dir/index.html",
        nc: 1,
        cnonce,
      })
    }
    const header = (algorithm: string, response: string) =>
      `Digest username="Mufasa", realm="http-auth@example.org", nonce="${nonce}", uri="/dir/index.html", ` +
      `algorithm=${algorithm}, response="${response}", qop=auth, nc=00000001, cnonce="${cnonce}", opaque="${opaque}"`
    // The RFC's own responses.
    assert.strictEqual(answer("MD5"), header("MD5", "8ca523f5e9506fed4657c9700eebdbec"))
    assert.strictEqual(
      answer("SHA-256"),
      header("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    )
    // Every algorithm, against node:crypto directly.
    const h = (hash: string, s: string) => createHash(hash).update(s, "utf8").digest("hex")
    for (const [algorithm, hash] of [
      ["MD5", "md5"],
      ["MD5-SESS", "md5"],
      ["SHA-256", "sha256"],
      ["SHA-256-SESS", "sha256"],
      ["SHA-512-256", "sha512-256"],
      ["SHA-512-256-SESS", "sha512-256"],
    ] as const) {
      let ha1 = h(hash, "Mufasa:http-auth@example.org:Circle of Life")
      if (algorithm.endsWith("-SESS")) ha1 = h(hash, `${ha1}:${nonce}:${cnonce}`)
      const response = h(hash, `${ha1}:${nonce}:00000001:${cnonce}:auth:${h(hash, "GET:/dir/index.html")}`)
      assert.strictEqual(answer(algorithm), header(algorithm, response), algorithm)
    }

    // Quotes and backslashes escaped in every quoted value; the legacy form without qop.
    assert.strictEqual(
      fresh.digestAuthorization({
        challenge: { realm: 'r"1', nonce: "n\\2", opaque: 'o"', algorithm: "MD5", qop: [], stale: false },
        username: 'u"\\',
        password: Redacted.make("p"),
        method: "GET",
        uri: '/a"b',
        nc: 1,
        cnonce: "c",
      }),
      'Digest username="u\\"\\\\", realm="r\\"1", nonce="n\\\\2", uri="/a\\"b", algorithm=MD5, ' +
        `response="${h("md5", `${h("md5", 'u"\\:r"1:p')}:n\\2:${h("md5", 'GET:/a"b')}`)}", opaque="o\\""`,
    )
  })
})

describe("FlexRestoreJob loaded afresh (terminal statuses, the job and link schemas)", () => {
  it("stops polling at COMPLETED and FAILED only, and decodes every field of a job and its links", async () => {
    const fresh = await freshAtlas<typeof import("../../src/atlas/FlexRestoreJob.js")>("FlexRestoreJob.ts")

    assert.deepStrictEqual(
      ["COMPLETED", "FAILED", "PENDING", "QUEUED", "RUNNING", "completed", "", undefined].map(fresh.isTerminalStatus),
      [true, true, false, false, false, false, false, false],
    )

    const job = {
      deliveryType: "RESTORE",
      expirationDate: "2024-11-14T00:00:00Z",
      id: "6740a8e5d2c4a51b3e0f1a2b",
      instanceName: "source-flex",
      links: [
        { href: "https://cloud.mongodb.com/api/atlas/v2/groups/p/flexClusters/source-flex", rel: "self" },
        { rel: "other" },
        {},
      ],
      projectId: "32b6e34b3d91647abb20e7b8",
      restoreFinishedDate: "2024-11-13T10:05:00Z",
      restoreScheduledDate: "2024-11-13T10:00:00Z",
      snapshotFinishedDate: "2024-11-13T09:00:00Z",
      snapshotId: "6740a8e5d2c4a51b3e0f1a2c",
      snapshotUrl: "https://example.com/snapshot.tar.gz",
      status: "COMPLETED",
      targetDeploymentItemName: "target-flex",
      targetProjectId: "32b6e34b3d91647abb20e7b9",
    }
    const decode = Schema.decodeUnknownSync(fresh.FlexRestoreJob)
    // Unknown fields dropped, all 14 known ones kept, links with their href and rel.
    assert.deepStrictEqual(decode({ ...job, unknownField: 1 }), job)
    assert.deepStrictEqual(Schema.decodeUnknownSync(fresh.Link)({ href: "h", rel: "r", title: "t" }), {
      href: "h",
      rel: "r",
    })
    // A wrongly typed field is refused, named in the message.
    assert.throws(() => decode({ id: 5 }), /id/)
    assert.throws(() => decode({ links: [{ href: 1 }] }), /href/)
  })
})

describe("AtlasConfig loaded afresh (TLS override notice, secrets, positive integers)", () => {
  it("warns about NODE_TLS_REJECT_UNAUTHORIZED=0, redacts given secrets, refuses blank ones, and reads positive integers", async () => {
    const fresh = await freshAtlas<typeof import("../../src/atlas/AtlasConfig.js")>("AtlasConfig.ts")

    assert.strictEqual(
      fresh.ignoredTlsOverride({ NODE_TLS_REJECT_UNAUTHORIZED: "0" }),
      "NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: the Atlas client always verifies the server's certificate. " +
        "To trust a private certificate authority or a TLS-intercepting proxy, set NODE_EXTRA_CA_CERTS to its PEM file.",
    )
    assert.deepStrictEqual(
      [{ NODE_TLS_REJECT_UNAUTHORIZED: "1" }, { NODE_TLS_REJECT_UNAUTHORIZED: "" }, {}].map(fresh.ignoredTlsOverride),
      [undefined, undefined, undefined],
    )

    const resolved = (options: Parameters<typeof fresh.resolveConfig>[0]) => {
      const r = fresh.resolveConfig({ env: {}, ...options })
      if (Result.isFailure(r)) throw new Error(r.failure.message)
      return r.success
    }
    const failure = (options: Parameters<typeof fresh.resolveConfig>[0]) => {
      const r = fresh.resolveConfig({ env: {}, ...options })
      return Result.isFailure(r) ? r.failure.message : "resolved"
    }

    // Secrets given as plain strings come back redacted, holding the value; a Redacted is kept as given.
    const token = resolved({ auth: { accessToken: "plain-token" } }).auth
    assert.strictEqual(token._tag, "AccessToken")
    if (token._tag === "AccessToken") {
      assert.isTrue(Redacted.isRedacted(token.accessToken))
      assert.strictEqual(Redacted.value(token.accessToken), "plain-token")
      assert.notInclude(JSON.stringify(token), "plain-token")
    }
    const given = Redacted.make("redacted-secret")
    const sa = resolved({ auth: { clientId: "id", clientSecret: given } }).auth
    assert.strictEqual(sa._tag, "ServiceAccount")
    if (sa._tag === "ServiceAccount") assert.strictEqual(sa.clientSecret, given)
    const key = resolved({ auth: { publicKey: "pub", privateKey: "priv" } }).auth
    assert.strictEqual(key._tag, "ApiKey")
    if (key._tag === "ApiKey") assert.strictEqual(Redacted.value(key.privateKey), "priv")

    // Blank secrets, plain or redacted, are no credentials.
    const incomplete =
      "Authentication failed: the auth option is incomplete: give { accessToken }, { clientId, clientSecret } " +
      "or { publicKey, privateKey }, each non-empty"
    assert.deepStrictEqual(
      [
        failure({ auth: { accessToken: "  " } }),
        failure({ auth: { accessToken: Redacted.make("\t") } }),
        failure({ auth: { clientId: "id", clientSecret: "" } }),
        failure({ auth: { publicKey: "pub", privateKey: Redacted.make(" ") } }),
      ],
      [incomplete, incomplete, incomplete, incomplete],
    )

    // Positive integers: fractions rounded down; zero, negative, NaN, infinite or unset give the default.
    // (An unset option is left out: the options' types do not take an explicit undefined.)
    const numbers = (maxConnections?: number, maxResponseBytes?: number, maxAttempts?: number) => {
      const c = resolved({
        auth: { accessToken: "t" },
        ...(maxConnections === undefined ? {} : { maxConnections }),
        ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
        retry: maxAttempts === undefined ? {} : { maxAttempts },
      })
      return [c.maxConnections, c.maxResponseBytes, c.retry.maxAttempts]
    }
    assert.deepStrictEqual(numbers(2.7, 1000.9, 1), [2, 1000, 1])
    assert.deepStrictEqual(numbers(0, -5, 0), [16, 1048576, 4])
    assert.deepStrictEqual(numbers(Number.NaN, Number.POSITIVE_INFINITY, 0.5), [16, 1048576, 4])
    assert.deepStrictEqual(numbers(), [16, 1048576, 4])
    assert.deepStrictEqual(numbers(1, 1, 7.99), [1, 1, 7])
  })
})

describe("AtlasResponse loaded afresh (what counts as a JSON object)", () => {
  it("decodes an object body as the job, refuses an array or null, and reads error fields from an object body", async () => {
    const fresh = await freshAtlas<typeof import("../../src/atlas/AtlasResponse.js")>("AtlasResponse.ts")
    const read = (status: number, body: string, envelope = false) =>
      fresh.interpretResponse({ status, headers: {}, body }, { envelope, nowMillis: 0, secrets: ["s3cret"] })
    const failureMessage = (r: ReturnType<typeof read>) =>
      Result.isFailure(r) ? r.failure.message : `decoded ${JSON.stringify(r.success)}`

    assert.deepStrictEqual(
      read(200, JSON.stringify({ id: "job-1", status: "RUNNING" })),
      Result.succeed({ id: "job-1", status: "RUNNING" }),
    )
    assert.strictEqual(
      failureMessage(read(200, "[]")),
      "Could not decode the response (HTTP 200): expected a JSON object, got an array",
    )
    assert.strictEqual(
      failureMessage(read(200, "null")),
      "Could not decode the response (HTTP 200): expected a JSON object, got null",
    )
    // The envelope is an object: its status and content stand for the answer.
    assert.deepStrictEqual(
      read(200, JSON.stringify({ status: 201, content: { id: "job-2" } }), true),
      Result.succeed({ id: "job-2" }),
    )
    // An error body's fields, masked, and its badRequestDetail's objects (not its other entries).
    const e = read(
      400,
      JSON.stringify({
        errorCode: "INVALID",
        detail: "key s3cret is bad",
        badRequestDetail: { fields: [{ field: "name", description: "too long" }, ["x"], null] },
      }),
    )
    assert.isTrue(Result.isFailure(e))
    if (Result.isFailure(e) && e.failure._tag === "BadRequest") {
      assert.deepStrictEqual(
        [e.failure.errorCode, e.failure.detail, e.failure.badRequestDetail],
        ["INVALID", "key <redacted> is bad", { fields: [{ field: "name", description: "too long" }] }],
      )
    } else {
      assert.fail(`expected a BadRequest, got ${failureMessage(e)}`)
    }
  })
})

describe("maskSecrets loaded afresh (the encoders of a secret's forms)", () => {
  it("masks a secret in each form a server or a URL may carry it, and encodes form and Basic credentials exactly", async () => {
    const fresh = await freshAtlas<typeof import("../../src/atlas/maskSecrets.js")>("maskSecrets.ts")
    assert.strictEqual(fresh.formEncode("a b&c"), "a+b%26c")
    assert.strictEqual(fresh.basicCredential("my id", "s3cr:et"), Buffer.from("my+id:s3cr%3Aet").toString("base64"))

    const secret = "p@ss w/\"<ö>&'%"
    const forms = [
      secret,
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      encodeURIComponent(secret).replace(/%20/g, "+"),
      "p@ss w/&quot;&lt;ö&gt;&amp;&#39;%",
      Buffer.from(secret).toString("base64").replace(/=+$/, ""),
      Buffer.from(secret).toString("base64url"),
      JSON.stringify(secret).slice(1, -1),
      JSON.stringify(secret).slice(1, -1).replace(/ö/g, "\\u00f6"),
    ]
    for (const form of forms) {
      assert.strictEqual(fresh.maskSecrets(`before ${form} after`, [secret]), "before <redacted> after", form)
    }
  })
})

describe("FlexRestoreJobRef loaded afresh (the rules it names)", () => {
  it("names each field's rule in a problem", async () => {
    const fresh = await freshAtlas<typeof import("../../src/atlas/FlexRestoreJobRef.js")>("FlexRestoreJobRef.ts")
    assert.deepStrictEqual(fresh.checkRef({ groupId: "G", name: "-n", restoreJobId: "x" }), [
      { field: "groupId", value: "G", rule: "24 lower-case hexadecimal digits (^([a-f0-9]{24})$)" },
      {
        field: "name",
        value: "-n",
        rule: "a letter or digit, then letters, digits or hyphens (^[a-zA-Z0-9][a-zA-Z0-9-]*$)",
      },
      { field: "restoreJobId", value: "x", rule: "24 lower-case hexadecimal digits (^([a-f0-9]{24})$)" },
    ])
  })
})
