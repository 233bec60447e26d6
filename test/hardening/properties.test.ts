/**
 * Issue 6, hostile and random input (fast-check): ids and names through the
 * live service over a counting fake transport (every valid one sent as is,
 * every invalid one refused with the field named and nothing sent); response
 * decoding (valid jobs decode, random JSON fails only with
 * `ResponseDecodeError`); digest challenges (valid forms parse, anything else
 * is an `AuthError`, nothing throws); and the plugin's handlers (malformed
 * msgpack and non-object configs give diagnostics, and the same server still
 * reads afterwards).
 */
import { createHash } from "node:crypto"
import { encode } from "@msgpack/msgpack"
import { Effect, Layer, ManagedRuntime, Redacted, Result } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AtlasError, InvalidRequest } from "../../src/atlas/AtlasError.js"
import { interpretResponse } from "../../src/atlas/AtlasResponse.js"
import { digestAuthorization, parseDigestChallenge } from "../../src/atlas/DigestChallenge.js"
import { checkRef, FlexRestoreJobStatuses } from "../../src/atlas/FlexRestoreJob.js"
import type { FlexRestoreJob, FlexRestoreJobRef } from "../../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { decodeMsgpack } from "../../src/provider/tfplugin6/CtyMsgpack.js"
import { makeAtlasProvider } from "../../src/datasource/plugin/AtlasProvider.js"
import { ProviderServer } from "../../src/provider/tfplugin6/ProviderServer.js"
import { countingClient, errorOf, tagOf } from "./support.js"

const RUNS = { numRuns: 150 } as const

// ---- arbitraries --------------------------------------------------------------------------------------------------

const HEX = "0123456789abcdef"
const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
const hex = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...HEX), minLength, maxLength })
const validId = hex(24, 24)
const validName = fc
  .tuple(
    fc.constantFrom(...NAME_CHARS.slice(0, -1)),
    fc.string({ unit: fc.constantFrom(...NAME_CHARS), maxLength: 63 }),
  )
  .map(([first, rest]) => first + rest)
const validRef = fc.record({ groupId: validId, name: validName, restoreJobId: validId })

/**
 * What an attacker or a copy-paste accident puts in a path segment: traversal,
 * encoded slashes, header splitting, NUL, query and fragment starts, and
 * characters that look like ASCII letters or digits but are not.
 */
const hostile = [
  "/",
  "..",
  "../",
  "%2F",
  "%2f",
  "%2e%2e",
  "\r",
  "\n",
  "\r\n",
  "\u0000",
  "?",
  "#",
  " ",
  "\t",
  "\u0430", // Cyrillic a
  "\u0435", // Cyrillic e
  "\u0441", // Cyrillic c
  "\u0501", // Cyrillic komi de, looks like d
  "\uff10", // fullwidth 0
  "\uff41", // fullwidth a
  "\u0661", // Arabic-Indic 1
  "\u212a", // Kelvin sign, lower-cases to k
  "\u0131", // dotless i
  "\u200b", // zero-width space
  "\u0301", // combining acute accent
  "\ud83d\ude00",
] as const

/** A valid value with a hostile fragment replacing or inserted at some position. */
const withHostile = (valid: fc.Arbitrary<string>) =>
  fc.tuple(valid, fc.constantFrom(...hostile), fc.nat(), fc.boolean()).map(([v, bad, at, replace]) => {
    const i = at % (v.length + 1)
    return v.slice(0, i) + bad + v.slice(replace ? i + 1 : i)
  })

const invalidId = fc.oneof(
  fc.constant(""),
  hex(1, 23),
  hex(25, 64),
  // Upper-case hex: the right length, one or more letters raised.
  fc
    .tuple(validId, fc.uniqueArray(fc.nat(23), { minLength: 1, maxLength: 24 }), fc.constantFrom(..."ABCDEF"))
    .map(([id, at, upper]) => [...id].map((c, i) => (at.includes(i) ? upper : c)).join("")),
  withHostile(validId),
  // Valid, with a trailing newline: a `$` that matched before a final \n would let it through.
  validId.map((id) => `${id}\n`),
)

const invalidName = fc.oneof(
  fc.constant(""),
  validName.map((n) => `-${n}`),
  withHostile(validName),
  validName.map((n) => `${n}\n`),
  fc.tuple(validName, fc.constantFrom("_", ".", "@", ":", "\\", "'", '"', "<", ">")).map(([n, c]) => n + c),
)

const invalidFor = { groupId: invalidId, name: invalidName, restoreJobId: invalidId } as const
const fields = ["groupId", "name", "restoreJobId"] as const

/** Values a JavaScript caller can pass where a string belongs. */
const notAString = fc.oneof(
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
)

const isoDate = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().replace(/\.\d{3}Z$/, "Z"))
/** `targetDeploymentItemName`: `^[\p{L}\p{N}\-_.(),:&@+']{1,64}$`, with letters and digits beyond ASCII. */
const itemName = fc.string({
  unit: fc.constantFrom(..."aZ09-_.(),:&@+'", "é", "ß", "漢", "٣", "Ж", "ü"),
  minLength: 1,
  maxLength: 64,
})
const job: fc.Arbitrary<FlexRestoreJob> = fc.record(
  {
    deliveryType: fc.oneof(fc.constantFrom("RESTORE", "DOWNLOAD"), fc.string()),
    expirationDate: isoDate,
    id: validId,
    instanceName: validName,
    links: fc.array(fc.record({ href: fc.webUrl(), rel: fc.constantFrom("self", "next") }, { requiredKeys: [] }), {
      maxLength: 3,
    }),
    projectId: validId,
    restoreFinishedDate: isoDate,
    restoreScheduledDate: isoDate,
    snapshotFinishedDate: isoDate,
    snapshotId: validId,
    snapshotUrl: fc.webUrl(),
    // Atlas may add statuses: any string is kept.
    status: fc.oneof(fc.constantFrom(...FlexRestoreJobStatuses), fc.string()),
    targetDeploymentItemName: itemName,
    targetProjectId: validId,
  },
  { requiredKeys: [] },
)

// ---- ids and names ------------------------------------------------------------------------------------------------

describe("ids and names: valid ones sent as is, invalid ones refused with the field named and nothing sent", () => {
  const transport = countingClient(() =>
    Response.json({ id: "66a0000000000000000000c1", status: "COMPLETED" }, { status: 200 }),
  )
  const runtime = ManagedRuntime.make(
    FlexRestoreJobsLive.layer({ baseUrl: "https://atlas.test", auth: { accessToken: "t" }, env: {} }).pipe(
      Layer.provide(transport.layer),
    ),
  )
  afterAll(() => runtime.dispose())

  const get = (ref: FlexRestoreJobRef) => runtime.runPromiseExit(FlexRestoreJobs.use((jobs) => jobs.get(ref)))

  it("every valid reference is sent once, to exactly its path", async () => {
    await fc.assert(
      fc.asyncProperty(validRef, async (ref) => {
        const before = transport.urls.length
        const exit = await get(ref)
        expect(tagOf(exit)).toBe("success")
        expect(transport.urls.slice(before)).toEqual([
          `https://atlas.test/api/atlas/v2/groups/${ref.groupId}/flexClusters/${ref.name}/backup/restoreJobs/${ref.restoreJobId}`,
        ])
        expect(checkRef(ref)).toEqual([])
      }),
      RUNS,
    )
  })

  for (const field of fields) {
    it(`an invalid ${field} is refused naming ${field} only, before any request`, async () => {
      await fc.assert(
        fc.asyncProperty(validRef, invalidFor[field], async (valid, bad) => {
          const before = transport.urls.length
          const exit = await get({ ...valid, [field]: bad })
          expect(tagOf(exit)).toBe("InvalidRequest")
          const error = errorOf(exit) as InvalidRequest
          expect(error.fields.map((f) => f.field)).toEqual([field])
          expect(error.message).toContain(field)
          expect(transport.urls.length).toBe(before)
          expect(checkRef({ ...valid, [field]: bad }).map((p) => p.field)).toEqual([field])
        }),
        RUNS,
      )
    })
  }

  it("all three invalid at once: all three named in one error, nothing sent", async () => {
    await fc.assert(
      fc.asyncProperty(invalidId, invalidName, invalidId, async (groupId, name, restoreJobId) => {
        const before = transport.urls.length
        const exit = await get({ groupId, name, restoreJobId })
        expect(tagOf(exit)).toBe("InvalidRequest")
        expect(checkRef({ groupId, name, restoreJobId }).map((p) => p.field)).toEqual([...fields])
        expect(transport.urls.length).toBe(before)
      }),
      { numRuns: 100 },
    )
  })

  it("a non-string or missing value from a JavaScript caller is an InvalidRequest, not a defect", async () => {
    await fc.assert(
      fc.asyncProperty(
        validRef,
        fc.constantFrom(...fields),
        fc.oneof(notAString, fc.constant(undefined)),
        async (valid, field, bad) => {
          const before = transport.urls.length
          const exit = await get({ ...valid, [field]: bad } as never)
          expect(tagOf(exit)).toBe("InvalidRequest")
          expect(transport.urls.length).toBe(before)
        },
      ),
      { numRuns: 100 },
    )
    for (const ref of [undefined, null, {}, "6650f1a2b3c4d5e6f7a8b9c0"]) {
      expect(tagOf(await get(ref as never))).toBe("InvalidRequest")
    }
    // Values that String() cannot convert (fast-check found `{ toString: ... }`).
    for (const bad of [{ toString: 0 }, Object.create(null), { valueOf: null, toString: null }]) {
      const seeded = {
        groupId: EmulatorSeed.groupId,
        name: EmulatorSeed.clusterName,
        restoreJobId: EmulatorSeed.jobs.completed,
      }
      const exit = await get({ ...seeded, name: bad } as never)
      expect(tagOf(exit)).toBe("InvalidRequest")
    }
  })
})

// ---- options --------------------------------------------------------------------------------------------------------

describe("options: any value a caller can pass configures, or fails typed; never a defect", () => {
  const duration = fc.oneof(
    fc.double(),
    fc.integer({ min: -1000, max: 1000 }),
    fc.constantFrom("5 seconds", "10 millis", "abc", "", "-5 millis", "1 minute", "Infinity"),
    fc.constant(Infinity),
    fc.constant(undefined),
  )
  const count = fc.oneof(fc.double(), fc.integer({ min: -5, max: 64 }), fc.constant(undefined))
  const options = fc.record(
    {
      timeout: duration,
      maxConnections: count,
      maxResponseBytes: count,
      allowInsecureHttp: fc.boolean(),
      retry: fc.record(
        { maxAttempts: count, initialDelay: duration, maxDelay: duration, retryAfterCap: duration },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )

  it("random timeouts, retry policies and limits against a healthy server", async () => {
    const transport = countingClient(() => Response.json({ id: "66a0000000000000000000c1" }, { status: 200 }))
    await fc.assert(
      fc.asyncProperty(options, async (o) => {
        const exit = await Effect.runPromiseExit(
          FlexRestoreJobs.use((jobs) => jobs.get(ref)).pipe(
            Effect.provide(
              FlexRestoreJobsLive.layer({
                ...(o as object),
                baseUrl: "https://atlas.test",
                auth: { accessToken: "t" },
                env: {},
              }).pipe(Layer.provide(transport.layer)),
            ),
            // A policy may legitimately wait long (a huge initial delay); the call must still be typed within 2 s.
            Effect.timeoutOrElse({ duration: 2000, orElse: () => Effect.succeed("still waiting" as const) }),
          ),
        )
        expect(["success", "Timeout", "ResponseDecodeError"]).toContain(tagOf(exit))
      }),
      { numRuns: 200 },
    )
  })
})

// ---- decoding -----------------------------------------------------------------------------------------------------

const respond = (body: string, status = 200, envelope = false) =>
  interpretResponse({ status, headers: {}, body }, { envelope, nowMillis: Date.now(), secrets: [] })

const apiTag = (status: number): string =>
  status === 400
    ? "BadRequest"
    : status === 401
      ? "Unauthorized"
      : status === 403
        ? "Forbidden"
        : status === 404
          ? "NotFound"
          : status === 429
            ? "RateLimited"
            : status >= 500
              ? "ServerError"
              : "UnexpectedStatus"

describe("decoding: valid jobs decode, random bodies fail only with ResponseDecodeError", () => {
  it("any job in the spec's shape decodes to itself, compact, pretty, enveloped, or with unknown fields", () => {
    fc.assert(
      fc.property(job, fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), (j, extra) => {
        for (const body of [JSON.stringify(j), JSON.stringify(j, null, 2)]) {
          expect(Result.getOrThrow(respond(body))).toEqual(j)
        }
        expect(Result.getOrThrow(respond(JSON.stringify({ status: 200, content: j }), 200, true))).toEqual(j)
        // Unknown fields (a newer API) are dropped; known ones win over nothing.
        const known = new Set(Object.keys(FlexRestoreJobsKeys))
        const unknown = Object.fromEntries(Object.entries(extra).filter(([k]) => !known.has(k)))
        expect(Result.getOrThrow(respond(JSON.stringify({ ...unknown, ...j })))).toEqual(j)
      }),
      RUNS,
    )
  })

  it("random JSON with a 2xx status: a job or ResponseDecodeError, never a throw", () => {
    fc.assert(
      fc.property(fc.json(), fc.integer({ min: 200, max: 299 }), fc.boolean(), (body, status, envelope) => {
        const result = respond(body, status, envelope)
        if (Result.isFailure(result)) expect(["ResponseDecodeError", ...allApiTags]).toContain(result.failure._tag)
        if (Result.isFailure(result) && !envelope) expect(result.failure._tag).toBe("ResponseDecodeError")
      }),
      { numRuns: 1000 },
    )
  })

  it("random text, any status: never a throw, and the tag follows the status", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), fc.json(), fc.constant("")),
        fc.integer({ min: 100, max: 599 }),
        (body, status) => {
          const result = respond(body, status)
          if (status >= 200 && status <= 299) {
            if (Result.isFailure(result)) expect(result.failure._tag).toBe("ResponseDecodeError")
          } else {
            expect(Result.isFailure(result) && result.failure._tag).toBe(apiTag(status))
          }
        },
      ),
      { numRuns: 1000 },
    )
  })

  it("random error bodies never throw and keep the status", () => {
    const errorBody = fc.record(
      {
        error: fc.oneof(fc.integer(), fc.string()),
        errorCode: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        detail: fc.oneof(fc.string(), fc.jsonValue()),
        reason: fc.jsonValue(),
        parameters: fc.oneof(fc.array(fc.jsonValue()), fc.jsonValue()),
        badRequestDetail: fc.oneof(
          fc.record({ fields: fc.oneof(fc.array(fc.jsonValue()), fc.jsonValue()) }, { requiredKeys: [] }),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(errorBody, fc.constantFrom(400, 401, 403, 404, 409, 429, 500, 503), (body, status) => {
        const result = respond(JSON.stringify(body), status)
        expect(Result.isFailure(result)).toBe(true)
        const error = (result as Result.Failure<never, AtlasError & { status: number }>).failure
        expect(error._tag).toBe(apiTag(status))
        expect(error.status).toBe(status)
        expect(typeof error.message).toBe("string")
      }),
      RUNS,
    )
  })

  it("through the live service, random 200 bodies end in a job or a typed ResponseDecodeError, never a defect", async () => {
    let body = ""
    const transport = countingClient(
      () => new Response(body, { status: 200, headers: { "content-type": "application/json" } }),
    )
    const runtime = ManagedRuntime.make(
      FlexRestoreJobsLive.layer({ baseUrl: "https://atlas.test", auth: { accessToken: "t" }, env: {} }).pipe(
        Layer.provide(transport.layer),
      ),
    )
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.json(),
            fc.string({ unit: "binary" }),
            job.map((j) => JSON.stringify(j)),
          ),
          async (b) => {
            body = b
            const exit = await runtime.runPromiseExit(FlexRestoreJobs.use((jobs) => jobs.get(ref)))
            expect(["success", "ResponseDecodeError"]).toContain(tagOf(exit))
          },
        ),
        RUNS,
      )
    } finally {
      await runtime.dispose()
    }
  })
})

const ref: FlexRestoreJobRef = {
  groupId: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restoreJobId: EmulatorSeed.jobs.completed,
}
const allApiTags = [
  "BadRequest",
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "RateLimited",
  "ServerError",
  "UnexpectedStatus",
]
const FlexRestoreJobsKeys = {
  deliveryType: 1,
  expirationDate: 1,
  id: 1,
  instanceName: 1,
  links: 1,
  projectId: 1,
  restoreFinishedDate: 1,
  restoreScheduledDate: 1,
  snapshotFinishedDate: 1,
  snapshotId: 1,
  snapshotUrl: 1,
  status: 1,
  targetDeploymentItemName: 1,
  targetProjectId: 1,
}

// ---- digest challenges --------------------------------------------------------------------------------------------

/** A quoted-string per RFC 7230: `"` and `\` escaped. */
const quoted = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`
const b64 = fc.string({
  unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
  minLength: 1,
  maxLength: 64,
})
const realmText = fc.string({ unit: fc.constantFrom(...'MMS Public API-_.,="\\:@ abc'), maxLength: 30 })
const spaces = fc.constantFrom("", " ", "  ", "\t")
const comma = fc.constantFrom(",", ", ", " , ", ",  ", ",\t")

interface ChallengeParts {
  readonly realm: string
  readonly nonce: string
  readonly opaque: string | undefined
  readonly algorithm: string | undefined
  readonly qop: string | undefined
  readonly stale: string | undefined
}

const challenge = fc
  .record({
    scheme: fc.constantFrom("Digest", "digest", "DIGEST"),
    realm: realmText,
    nonce: b64,
    quoteNonce: fc.boolean(),
    opaque: fc.option(b64, { nil: undefined }),
    algorithm: fc.option(fc.constantFrom("MD5", "md5", "MD5-sess", "SHA-256", "sha-256", "SHA-512-256"), {
      nil: undefined,
    }),
    qop: fc.option(fc.constantFrom("auth", "auth,auth-int", "auth-int, auth", "AUTH"), { nil: undefined }),
    quoteQop: fc.boolean(),
    stale: fc.option(fc.constantFrom("true", "false", "TRUE", "False"), { nil: undefined }),
    extra: fc.array(
      fc.tuple(fc.constantFrom("domain", "charset", "userhash", "x-custom"), fc.stringMatching(/^[a-zA-Z0-9]{0,8}$/)),
      { maxLength: 2 },
    ),
    seed: fc.nat(),
    sep: comma,
    lead: spaces,
    before: fc.option(fc.constantFrom('Bearer realm="x", error="invalid_token"', 'Basic realm="y"', "Negotiate"), {
      nil: undefined,
    }),
  })
  .map((r) => {
    const params: Array<string> = [`realm=${quoted(r.realm)}`, `nonce=${r.quoteNonce ? quoted(r.nonce) : r.nonce}`]
    if (r.opaque !== undefined) params.push(`opaque=${quoted(r.opaque)}`)
    if (r.algorithm !== undefined) params.push(`algorithm=${r.algorithm}`)
    // A qop list holds a comma: unquoted it would split into a parameter and a flag.
    if (r.qop !== undefined) params.push(`qop=${r.quoteQop || r.qop.includes(",") ? quoted(r.qop) : r.qop}`)
    if (r.stale !== undefined) params.push(`stale=${r.stale}`)
    for (const [k, v] of r.extra) params.push(`${k}=${quoted(v)}`)
    // Parameter order is free: rotate by the seed.
    const n = r.seed % params.length
    const ordered = [...params.slice(n), ...params.slice(0, n)]
    const digest = `${r.lead}${r.scheme} ${ordered.join(r.sep)}`
    const header = r.before === undefined ? digest : `${r.before}, ${digest}`
    const parts: ChallengeParts = {
      realm: r.realm,
      nonce: r.nonce,
      opaque: r.opaque,
      algorithm: r.algorithm,
      qop: r.qop,
      stale: r.stale,
    }
    return { header, parts }
  })

const md5 = (s: string) => createHash("md5").update(s).digest("hex")

describe("digest challenges: valid forms parse, malformed ones are AuthError, nothing throws", () => {
  it("random valid challenges parse to their parameters", () => {
    fc.assert(
      fc.property(challenge, ({ header, parts }) => {
        const parsed = parseDigestChallenge(header)
        if (Result.isFailure(parsed)) throw new Error(`${header} → ${parsed.failure.message}`)
        const c = parsed.success
        expect(c.nonce).toBe(parts.nonce)
        expect(c.realm).toBe(parts.realm)
        expect(c.opaque).toBe(parts.opaque)
        expect(c.algorithm).toBe((parts.algorithm ?? "MD5").toUpperCase())
        expect(c.stale).toBe(parts.stale?.toLowerCase() === "true")
        if (parts.qop !== undefined) expect(c.qop).toContain("auth")
      }),
      { numRuns: 1000 },
    )
  })

  it("the answer to an MD5 challenge matches RFC 7616 computed independently", () => {
    fc.assert(
      fc.property(
        challenge.filter(({ parts }) => (parts.algorithm ?? "MD5").toUpperCase() === "MD5" && parts.qop !== undefined),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 0xffff }),
        ({ header, parts }, password, nc) => {
          const c = Result.getOrThrow(parseDigestChallenge(header))
          const uri = "/api/atlas/v2/groups/x?pretty=true"
          const answerWith = (password: string) =>
            digestAuthorization({
              challenge: c,
              username: "pub",
              password: Redacted.make(password),
              method: "GET",
              uri,
              nc,
              cnonce: "c0ffee",
            })
          const answer = answerWith(password)
          const ncHex = nc.toString(16).padStart(8, "0")
          const expected = md5(
            `${md5(`pub:${parts.realm}:${password}`)}:${parts.nonce}:${ncHex}:c0ffee:auth:${md5(`GET:${uri}`)}`,
          )
          expect(answer).toContain(`response="${expected}"`)
          expect(answer).toContain(`nc=${ncHex}`)
          // The password shows nowhere but in the hash: apart from it, another password gives the same answer.
          // (A plain not.toContain(password) failed whenever the password also was the nonce, e.g. both "String".)
          const withoutHash = (a: string) => a.replace(/response="[0-9a-f]{32}"/, "")
          expect(withoutHash(answerWith(`${password}x`))).toBe(withoutHash(answer))
        },
      ),
      RUNS,
    )
  })

  it("malformed challenges are an AuthError", () => {
    const malformed = fc.oneof(
      fc.constantFrom("", " ", "\t\r\n", "Digest", "Digest ", 'Basic realm="x"', 'Bearer error="invalid_token"'),
      challenge.map(({ header }) => header.replace(/nonce=("(?:[^"\\]|\\.)*"|[^,\s]*)/, "")),
      challenge.map(({ header }) => header.replace(/Digest/i, "Digets")),
      challenge.map(({ header }) => `${header.replace(/algorithm=[^,\s]*/i, "")}, algorithm=SHA-1`),
      challenge.map(({ header }) => `${header.replace(/qop=("[^"]*"|[^,\s]*)/i, "")}, qop="auth-int"`),
      fc.constant('Digest realm="x", nonce=""'),
    )
    fc.assert(
      fc.property(malformed, (header) => {
        const parsed = parseDigestChallenge(header)
        if (Result.isSuccess(parsed)) throw new Error(`accepted ${JSON.stringify(header)}`)
        expect(parsed.failure._tag).toBe("AuthError")
      }),
      { numRuns: 500 },
    )
  })

  it("random header text never throws: a challenge or an AuthError", () => {
    const noise = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.string({ unit: fc.constantFrom(...'Digest realm nonce="=,\\ \t qop auth stale true'), maxLength: 200 }),
      challenge.chain(({ header }) =>
        fc
          .tuple(fc.nat(header.length), fc.nat(header.length))
          .map(([a, b]) => header.slice(Math.min(a, b), Math.max(a, b))),
      ),
    )
    fc.assert(
      fc.property(noise, (header) => {
        const parsed = parseDigestChallenge(header)
        if (Result.isFailure(parsed)) expect(parsed.failure._tag).toBe("AuthError")
        else expect(parsed.success.nonce.length).toBeGreaterThan(0)
      }),
      { numRuns: 2000 },
    )
    // Non-strings from a broken header map.
    for (const odd of [undefined, null, 42, ["Digest nonce=x"], {}]) {
      expect(Result.isFailure(parseDigestChallenge(odd as never))).toBe(true)
    }
  })
})

// ---- the plugin ---------------------------------------------------------------------------------------------------

const DATA = "mongodbatlas_flex_restore_job"

describe("the plugin: malformed msgpack or non-object configs give diagnostics, and the plugin lives on", () => {
  let emulator: RunningEmulator
  let server: ProviderServer
  const config = (value: unknown) => ({ msgpack: encode(value) })
  const goodConfig = () =>
    config({
      project_id: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restore_job_id: EmulatorSeed.jobs.completed,
      ...Object.fromEntries(
        [
          "delivery_type",
          "expiration_date",
          "restore_finished_date",
          "restore_scheduled_date",
          "snapshot_finished_date",
          "snapshot_id",
          "snapshot_url",
          "status",
          "target_deployment_item_name",
          "target_project_id",
        ].map((k) => [k, null]),
      ),
    })

  const stillReads = async () => {
    const answer = await server.readDataSource({ type_name: DATA, config: goodConfig() })
    expect(answer.diagnostics ?? []).toEqual([])
    const state = decodeMsgpack(answer.state!.msgpack!) as Record<string, unknown>
    expect(state["status"]).toBe("COMPLETED")
  }

  beforeAll(async () => {
    emulator = await startEmulator()
    server = new ProviderServer({
      provider: makeAtlasProvider({
        env: { MONGODB_ATLAS_BASE_URL: emulator.url, MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken },
      }),
    })
    await server.configureProvider({ config: config({}) })
    await stillReads()
  })
  afterAll(async () => {
    await server.close()
    await emulator.stop()
  })

  /** Every handler that takes a config, given the same bad value. */
  const everyHandler = async (dynamic: { msgpack?: Uint8Array; json?: Uint8Array }) => {
    const answers = [
      server.validateProviderConfig({ config: dynamic }),
      server.validateDataResourceConfig({ type_name: DATA, config: dynamic }),
      await server.readDataSource({ type_name: DATA, config: dynamic }),
    ]
    return answers
  }

  it("random bytes as msgpack: every handler answers with diagnostics or nothing, never throws", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        for (const answer of await everyHandler({ msgpack: bytes })) {
          for (const d of answer.diagnostics ?? []) {
            expect(d.severity).toBe("ERROR")
            expect(d.summary.length).toBeGreaterThan(0)
          }
        }
        // The read of garbage must never succeed.
        const read = await server.readDataSource({ type_name: DATA, config: { msgpack: bytes } })
        expect(read.state).toBeUndefined()
        expect((read.diagnostics ?? []).length).toBeGreaterThan(0)
      }),
      RUNS,
    )
    await stillReads()
  })

  it("configs that are not objects (or objects of the wrong types) give diagnostics", async () => {
    const notObject = fc.oneof(
      fc.integer(),
      fc.string(),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.uint8Array({ maxLength: 8 }),
      fc.record({ project_id: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer())), name: fc.integer() }),
      fc.dictionary(fc.string(), fc.string(), { minKeys: 1, maxKeys: 3 }),
    )
    await fc.assert(
      fc.asyncProperty(notObject, async (value) => {
        const [validateProvider, validateData] = await everyHandler(config(value))
        const read = await server.readDataSource({ type_name: DATA, config: config(value) })
        expect((validateData!.diagnostics ?? []).length).toBeGreaterThan(0)
        expect((read.diagnostics ?? []).length).toBeGreaterThan(0)
        expect(read.state).toBeUndefined()
        if (typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) {
          expect((validateProvider!.diagnostics ?? []).length).toBeGreaterThan(0)
        }
      }),
      RUNS,
    )
    // Malformed JSON in the json field, deep nesting, and truncated msgpack.
    const deep = Buffer.from("[".repeat(100_000))
    for (const dynamic of [
      { json: Buffer.from("{not json") },
      { json: deep },
      { msgpack: encode({ project_id: "x".repeat(100) }).subarray(0, 10) },
      { msgpack: Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]) }, // an array claiming 4 billion items
      { msgpack: Uint8Array.from([0xdb, 0xff, 0xff, 0xff, 0xff]) }, // a string claiming 4 GiB
    ]) {
      for (const answer of await everyHandler(dynamic)) expect(answer.diagnostics ?? []).not.toHaveLength(0)
    }
    await stillReads()
  })

  it("invalid ids in a data source config are diagnostics on that attribute, and nothing reaches Atlas", async () => {
    const attribute = { groupId: "project_id", name: "name", restoreJobId: "restore_job_id" } as const
    const before = emulator.stats().apiRequests
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.oneof(invalidId, invalidName).filter((v) => v !== ""),
        async (field, bad) => {
          if (checkRef({ [field]: bad }).length === 0) return
          const base = decodeMsgpack(goodConfig().msgpack) as Record<string, unknown>
          const dynamic = config({ ...base, [attribute[field]]: bad })
          const validated = server.validateDataResourceConfig({ type_name: DATA, config: dynamic })
          const read = await server.readDataSource({ type_name: DATA, config: dynamic })
          for (const answer of [validated, read]) {
            expect(answer.diagnostics?.map((d) => d.attribute?.steps[0]?.attribute_name)).toEqual([attribute[field]])
          }
        },
      ),
      { numRuns: 150 },
    )
    expect(emulator.stats().apiRequests).toBe(before)
    await stillReads()
  })
})
