import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Scope } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientResponse } from "effect/http"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { fake, json, JOB_BODY, REF } from "./fake.js"
import type { Fake, SeenRequest } from "./fake.js"

const md5 = (s: string) => createHash("md5").update(s).digest("hex")

/** Reads the parameters of a Digest Authorization header (the test's own parser). */
const params = (header: string) =>
  Object.fromEntries(
    [...header.replace(/^Digest /, "").matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)].map((m) => [m[1], m[2] ?? m[3]]),
  )

/** A digest server: issues nonces, checks answers, declares a nonce stale on demand. */
const digestServer = (options: { publicKey: string; privateKey: string; delayMillis?: number }) => {
  let counter = 0
  const stale = new Set<string>()
  const challenges: Array<string> = []
  const ncs: Array<[string, string]> = []
  const challenge = (isStale: boolean) => {
    const nonce = `n${++counter}+/==`
    challenges.push(nonce)
    return new Response(JSON.stringify({ error: 401, errorCode: "USER_UNAUTHORIZED" }, null, 2), {
      status: 401,
      headers: {
        "www-authenticate": `Digest realm="MMS Public API", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${isStale}`,
      },
    })
  }
  const handler = async (r: SeenRequest) => {
    if (options.delayMillis) await new Promise((res) => setTimeout(res, options.delayMillis))
    const auth = r.headers["authorization"]
    if (!auth) return challenge(false)
    const p = params(auth)
    const ha1 = md5(`${p["username"]}:MMS Public API:${options.privateKey}`)
    const ha2 = md5(`${r.method}:${r.url.pathname}${r.url.search}`)
    const expected = md5(`${ha1}:${p["nonce"]}:${p["nc"]}:${p["cnonce"]}:auth:${ha2}`)
    if (p["username"] !== options.publicKey || p["response"] !== expected || p["uri"] !== r.url.pathname + r.url.search)
      return challenge(false)
    if (stale.has(p["nonce"]!)) return challenge(true)
    ncs.push([p["nonce"]!, p["nc"]!])
    return json(200, JOB_BODY)
  }
  return { handler, challenges, ncs, expire: (nonce: string) => stale.add(nonce) }
}

const keys = { publicKey: "pubkey", privateKey: "private-secret" }
const digestOptions: AtlasClientOptions = {
  baseUrl: "https://atlas.test",
  auth: keys,
  env: {},
  retry: { maxAttempts: 1 },
}

const withService = <A, E>(
  f: Fake,
  options: AtlasClientOptions,
  body: (jobs: typeof FlexRestoreJobs.Service) => Effect.Effect<A, E>,
) =>
  Effect.gen(function* () {
    const jobs = yield* FlexRestoreJobs
    return yield* body(jobs)
  }).pipe(Effect.provide(FlexRestoreJobsLive.layer(options).pipe(Layer.provide(f.layer))))

describe("digest (API keys)", () => {
  it.effect("pays one challenge, then reuses the nonce with an increasing nc", () => {
    const server = digestServer(keys)
    const f = fake(server.handler)
    return withService(f, digestOptions, (jobs) =>
      Effect.gen(function* () {
        for (let i = 0; i < 5; i++) yield* jobs.get(REF)
        assert.strictEqual(server.challenges.length, 1)
        assert.strictEqual(f.requests.length, 6)
        assert.deepStrictEqual(
          server.ncs.map(([, nc]) => nc),
          ["00000001", "00000002", "00000003", "00000004", "00000005"],
        )
        assert.isTrue(server.ncs.every(([nonce]) => nonce === server.challenges[0]))
        // The secret never travels.
        assert.isTrue(f.requests.every((r) => !JSON.stringify(r.headers).includes("private-secret")))
      }),
    )
  })

  it.effect("re-challenges once on stale=true and carries on with the new nonce", () => {
    const server = digestServer(keys)
    const f = fake(server.handler)
    return withService(f, digestOptions, (jobs) =>
      Effect.gen(function* () {
        yield* jobs.get(REF)
        server.expire(server.challenges[0]!)
        yield* jobs.get(REF)
        assert.strictEqual(server.challenges.length, 2)
        yield* jobs.get(REF)
        assert.strictEqual(server.challenges.length, 2)
        assert.deepStrictEqual(server.ncs.at(-1), [server.challenges[1]!, "00000002"])
        // 1 challenge + 1 ok, 1 stale + 1 ok, 1 ok
        assert.strictEqual(f.requests.length, 5)
      }),
    )
  })

  it.effect("fails with Unauthorized after one challenge when the keys are wrong", () => {
    const server = digestServer({ publicKey: "pubkey", privateKey: "other" })
    const f = fake(server.handler)
    return withService(f, digestOptions, (jobs) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(jobs.get(REF))
        assert.strictEqual(error._tag, "Unauthorized")
        assert.strictEqual(f.requests.length, 2)
        assert.notInclude(error.message, "private-secret")
      }),
    )
  })

  it.live("lets concurrent first calls share one challenge", () => {
    const server = digestServer({ ...keys, delayMillis: 5 })
    const f = fake(server.handler)
    return withService(f, digestOptions, (jobs) =>
      Effect.gen(function* () {
        const results = yield* Effect.forEach(Array.from({ length: 32 }), () => jobs.get(REF), {
          concurrency: "unbounded",
        })
        assert.strictEqual(results.length, 32)
        assert.strictEqual(server.challenges.length, 1)
        assert.strictEqual(f.requests.length, 33)
        const ncs = new Set(server.ncs.map(([, nc]) => nc))
        assert.strictEqual(ncs.size, 32)
      }),
    )
  })

  it.effect("fails with Unauthorized 401 naming the challenge, not a crash, on a malformed challenge", () => {
    const f = fake(() => new Response("{}", { status: 401, headers: { "www-authenticate": 'Digest realm="x"' } }))
    return withService(f, digestOptions, (jobs) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(jobs.get(REF))
        assert.strictEqual(error._tag, "Unauthorized")
        assert.strictEqual((error as { status?: number }).status, 401)
        assert.include(error.message, "nonce")
        assert.strictEqual(f.requests.length, 1)
      }),
    )
  })

  it.effect("re-challenges at most once: a fresh nonce declared stale again ends the call as Unauthorized", () => {
    let nonce = 0
    const stale = () =>
      new Response("{}", {
        status: 401,
        headers: { "www-authenticate": `Digest realm="r", nonce="s${++nonce}", qop="auth", stale=true` },
      })
    const f = fake(stale)
    return withService(f, { ...digestOptions, retry: { maxAttempts: 3 } }, (jobs) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(jobs.get(REF))
        assert.strictEqual(error._tag, "Unauthorized")
        assert.include(error.message, "stale again")
        // Unauthenticated, the first nonce, the one re-challenge; not retried.
        assert.strictEqual(f.requests.length, 3)
        assert.strictEqual(f.requests[2]!.headers["authorization"]!.includes('nonce="s2"'), true)
      }),
    )
  })

  it.effect("the per-attempt timeout covers the challenge and the answer together (TestClock)", () => {
    // Each exchange takes 600 ms of TestClock time; the attempt has 1000 ms: the
    // challenge fits, the answer is cut at 400 ms, and nothing else is sent.
    let n = 0
    const slow = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.as(
          Effect.sleep(600),
          HttpClientResponse.fromWeb(
            request,
            n++ === 0
              ? new Response("{}", {
                  status: 401,
                  headers: { "www-authenticate": 'Digest realm="r", nonce="n1", qop="auth"' },
                })
              : json(200, JOB_BODY),
          ),
        ),
      ),
    )
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(
        FlexRestoreJobs.use((jobs) => Effect.flip(jobs.get(REF))).pipe(
          Effect.provide(FlexRestoreJobsLive.layer({ ...digestOptions, timeout: 1000 }).pipe(Layer.provide(slow))),
        ),
      )
      yield* TestClock.adjust(999)
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(1)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      assert.strictEqual((error as { afterMillis?: number }).afterMillis, 1000)
      assert.strictEqual(n, 2)
    })
  })
})

/** A token endpoint and an API that accepts the tokens it issued and has not expired. */
const oauthServer = (options: { expiresIn: number; delayMillis?: number; failToken?: number }) => {
  let issued = 0
  const valid = new Set<string>()
  const tokenRequests: Array<SeenRequest> = []
  const revoked: Array<string> = []
  const handler = async (r: SeenRequest) => {
    if (r.url.pathname === "/api/oauth/token") {
      tokenRequests.push(r)
      if (options.delayMillis) await new Promise((res) => setTimeout(res, options.delayMillis))
      if (options.failToken)
        return json(options.failToken, { error: "invalid_client", errorCode: "INVALID_SERVICE_ACCOUNT_CREDENTIALS" })
      const token = `tok${++issued}`
      valid.add(token)
      return json(200, { access_token: token, token_type: "Bearer", expires_in: options.expiresIn })
    }
    if (r.url.pathname === "/api/oauth/revoke") {
      revoked.push(new URLSearchParams(r.body).get("token")!)
      return new Response("", { status: 200 })
    }
    const token = (r.headers["authorization"] ?? "").replace(/^Bearer /, "")
    return valid.has(token) ? json(200, JOB_BODY) : json(401, { error: 401, errorCode: "INVALID_TOKEN" })
  }
  return {
    handler,
    tokenRequests,
    revoked,
    invalidate: (t: string) => valid.delete(t),
    get issued() {
      return issued
    },
  }
}

const sa = { clientId: "mdb_sa_id_1", clientSecret: "mdb_sa_sk_secret" }
const saOptions: AtlasClientOptions = { baseUrl: "https://atlas.test", auth: sa, env: {}, retry: { maxAttempts: 1 } }

describe("service account", () => {
  it.effect("asks for a token with Basic client credentials, then reuses it", () => {
    const server = oauthServer({ expiresIn: 3600 })
    const f = fake(server.handler)
    return withService(f, saOptions, (jobs) =>
      Effect.gen(function* () {
        for (let i = 0; i < 20; i++) yield* jobs.get(REF)
        assert.strictEqual(server.tokenRequests.length, 1)
        const t = server.tokenRequests[0]!
        assert.strictEqual(t.method, "POST")
        assert.strictEqual(
          t.headers["authorization"],
          `Basic ${Buffer.from("mdb_sa_id_1:mdb_sa_sk_secret").toString("base64")}`,
        )
        assert.strictEqual(t.headers["content-type"], "application/x-www-form-urlencoded")
        assert.strictEqual(t.body, "grant_type=client_credentials")
        assert.isTrue(
          f.requests
            .filter((r) => r.url.pathname.startsWith("/api/atlas"))
            .every((r) => r.headers["authorization"] === "Bearer tok1"),
        )
      }),
    )
  })

  it.effect("renews the token before it expires (10 minutes early for an hour's token)", () => {
    const server = oauthServer({ expiresIn: 3600 })
    const f = fake(server.handler)
    return withService(f, saOptions, (jobs) =>
      Effect.gen(function* () {
        yield* jobs.get(REF)
        yield* TestClock.adjust("49 minutes")
        yield* jobs.get(REF)
        assert.strictEqual(server.tokenRequests.length, 1)
        yield* TestClock.adjust("2 minutes")
        yield* jobs.get(REF)
        assert.strictEqual(server.tokenRequests.length, 2)
        assert.strictEqual(f.requests.at(-1)!.headers["authorization"], "Bearer tok2")
      }),
    )
  })

  it.effect("renews a short-lived token a sixth of its lifetime early", () => {
    const server = oauthServer({ expiresIn: 100 })
    const f = fake(server.handler)
    return withService(f, saOptions, (jobs) =>
      Effect.gen(function* () {
        yield* jobs.get(REF)
        yield* TestClock.adjust("80 seconds")
        yield* jobs.get(REF)
        assert.strictEqual(server.tokenRequests.length, 1)
        yield* TestClock.adjust("4 seconds")
        yield* jobs.get(REF)
        assert.strictEqual(server.tokenRequests.length, 2)
      }),
    )
  })

  it.live("refreshes once however many calls wait", () => {
    const server = oauthServer({ expiresIn: 3600, delayMillis: 20 })
    const f = fake(server.handler)
    return withService(f, saOptions, (jobs) =>
      Effect.gen(function* () {
        yield* Effect.forEach(Array.from({ length: 25 }), () => jobs.get(REF), { concurrency: "unbounded" })
        assert.strictEqual(server.tokenRequests.length, 1)
      }),
    )
  })

  it.effect("drops a refused token and retries once with a new one", () => {
    const server = oauthServer({ expiresIn: 3600 })
    const f = fake(server.handler)
    return withService(f, saOptions, (jobs) =>
      Effect.gen(function* () {
        yield* jobs.get(REF)
        server.invalidate("tok1")
        const job = yield* jobs.get(REF)
        assert.strictEqual(job.id, JOB_BODY.id)
        assert.strictEqual(server.tokenRequests.length, 2)
        assert.strictEqual(f.requests.at(-1)!.headers["authorization"], "Bearer tok2")
      }),
    )
  })

  it.effect("fails with Unauthorized when even a new token is refused", () => {
    const f = fake((r) =>
      r.url.pathname === "/api/oauth/token"
        ? json(200, { access_token: "t", expires_in: 3600 })
        : json(401, { error: 401, errorCode: "INVALID_TOKEN" }),
    )
    return withService(f, saOptions, (jobs) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(jobs.get(REF))
        assert.strictEqual(error._tag, "Unauthorized")
        assert.strictEqual(f.requests.length, 4)
      }),
    )
  })

  it.effect("reports a refused token request as AuthError without the secret", () => {
    const server = oauthServer({ expiresIn: 3600, failToken: 401 })
    const f = fake(server.handler)
    return withService(f, saOptions, (jobs) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(jobs.get(REF))
        assert.strictEqual(error._tag, "AuthError")
        if (error._tag === "AuthError") {
          assert.strictEqual(error.status, 401)
          assert.strictEqual(error.errorCode, "INVALID_SERVICE_ACCOUNT_CREDENTIALS")
        }
        assert.notInclude(error.message, "mdb_sa_sk_secret")
        assert.notInclude(JSON.stringify(error), "mdb_sa_sk_secret")
      }),
    )
  })

  it.effect("revokes the token when the layer is released", () => {
    const server = oauthServer({ expiresIn: 3600 })
    const f = fake(server.handler)
    return Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        FlexRestoreJobsLive.layer(saOptions).pipe(Layer.provide(f.layer)),
        scope,
      )
      const jobs = context.mapUnsafe.get(FlexRestoreJobs.key) as typeof FlexRestoreJobs.Service
      yield* jobs.get(REF)
      assert.deepStrictEqual(server.revoked, [])
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(server.revoked, ["tok1"])
      const revoke = f.requests.find((r) => r.url.pathname === "/api/oauth/revoke")!
      assert.include(revoke.body, "token_type_hint=access_token")
      assert.strictEqual(revoke.headers["authorization"], server.tokenRequests[0]!.headers["authorization"])
    })
  })

  it.effect("retries a token endpoint answering 503", () => {
    let n = 0
    const f = fake((r) => {
      if (r.url.pathname === "/api/oauth/token")
        return n++ === 0 ? json(503, { error: 503 }) : json(200, { access_token: "t", expires_in: 3600 })
      return json(200, JOB_BODY)
    })
    return withService(f, { ...saOptions, retry: { maxAttempts: 3, initialDelay: 10 } }, (jobs) =>
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(jobs.get(REF))
        for (let i = 0; i < 5; i++) {
          // One event-loop turn (no real time) lets the fake's promise settle before the clock moves.
          yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
          yield* TestClock.adjust(20)
        }
        const job = yield* Fiber.join(fiber)
        assert.strictEqual(job.id, JOB_BODY.id)
        assert.strictEqual(n, 2)
      }),
    )
  })
})

describe("access token", () => {
  it.effect("sends the token as bearer, and a 401 is Unauthorized at once", () => {
    const f = fake(() => json(401, { error: 401, errorCode: "INVALID_TOKEN" }))
    return withService(f, { baseUrl: "https://atlas.test", auth: { accessToken: "abc" }, env: {} }, (jobs) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(jobs.get(REF))
        assert.strictEqual(error._tag, "Unauthorized")
        assert.strictEqual(f.requests.length, 1)
        assert.strictEqual(f.requests[0]!.headers["authorization"], "Bearer abc")
      }),
    )
  })
})
