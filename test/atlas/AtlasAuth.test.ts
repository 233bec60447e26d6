import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Queue, Redacted, Scope } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { AtlasAuth } from "../../src/atlas/AtlasAuth.js"
import type { AtlasAuthShape } from "../../src/atlas/AtlasAuth.js"
import { AtlasTransport } from "../../src/atlas/AtlasTransport.js"
import type { RawResponse } from "../../src/atlas/AtlasTransport.js"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { fake, json, JOB_BODY, REF } from "./fake.js"
import type { Fake, SeenRequest } from "./fake.js"
import { loadFresh } from "../fresh.js"

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

// ---------------------------------------------------------------------------
// AtlasAuth alone, over a scripted AtlasTransport (no HttpClient, no retry): the
// exact requests each mode sends, the token endpoint's refusals, the token's
// life on the TestClock, and the digest nonce's bookkeeping between calls,
// with the order of concurrent answers chosen by the test.

type Exchange = {
  readonly request: HttpClientRequest.HttpClientRequest
  readonly reply: Deferred.Deferred<RawResponse>
}

/** An AtlasTransport at https://atlas.test that keeps every request in `seen` before `send` answers it. */
const recordingTransport = (send: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<RawResponse>) => {
  const seen: Array<HttpClientRequest.HttpClientRequest> = []
  const layer = Layer.succeed(
    AtlasTransport,
    AtlasTransport.of({
      baseUrl: "https://atlas.test",
      send: (request) => Effect.suspend(() => (seen.push(request), send(request))),
    }),
  )
  return { seen, layer }
}

/** A transport whose requests wait in `inbox` until the test answers them; all are kept in `seen`. */
const manualTransport = Effect.gen(function* () {
  const inbox = yield* Queue.unbounded<Exchange>()
  const { seen, layer } = recordingTransport((request) =>
    Effect.gen(function* () {
      const reply = yield* Deferred.make<RawResponse>()
      yield* Queue.offer(inbox, { request, reply })
      return yield* Deferred.await(reply)
    }),
  )
  /** Takes the next request and answers it. */
  const answer = (response: RawResponse) =>
    Effect.gen(function* () {
      const exchange = yield* Queue.take(inbox)
      yield* Deferred.succeed(exchange.reply, response)
      return exchange.request
    })
  return { inbox, seen, layer, answer }
})

/** A transport answering at once with `handler`; all requests are kept in `seen`. */
const scriptedTransport = (handler: (request: HttpClientRequest.HttpClientRequest, index: number) => RawResponse) => {
  const recording = recordingTransport((request) => Effect.sync(() => handler(request, recording.seen.length - 1)))
  return recording
}

const raw = (status: number, body: unknown = {}, headers: Record<string, string> = {}): RawResponse => ({
  status,
  headers,
  body: typeof body === "string" ? body : JSON.stringify(body),
})
const challenge = (nonce: string, stale = false) =>
  raw(401, { error: 401 }, { "www-authenticate": `Digest realm="r", nonce="${nonce}", qop="auth", stale=${stale}` })
const nonceOf = (request: HttpClientRequest.HttpClientRequest) =>
  /nonce="([^"]*)"/.exec(request.headers["authorization"] ?? "")?.[1]
const bodyOf = (request: HttpClientRequest.HttpClientRequest) => {
  const body = request.body as { readonly _tag: string; readonly body?: unknown }
  return body._tag === "Uint8Array" ? new TextDecoder().decode(body.body as Uint8Array) : ""
}
const get = HttpClientRequest.get("https://atlas.test/api/atlas/v2/x")

/** Three calls around the renewal of a 60 s token, renewed a sixth (10 s) early: at 49.999 s the first token serves, at 50 s a second is fetched. */
const sendAcrossRenewal = (auth: AtlasAuthShape, issued: () => number) =>
  Effect.gen(function* () {
    yield* auth.send(get)
    yield* TestClock.adjust(49_999)
    yield* auth.send(get)
    assert.strictEqual(issued(), 1)
    yield* TestClock.adjust(1)
    yield* auth.send(get)
    assert.strictEqual(issued(), 2)
  })

const build = <E>(layer: Layer.Layer<AtlasAuth, E>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(layer, scope)
    return { auth: Context.get(context, AtlasAuth), close: Scope.close(scope, Exit.void) }
  })

const serviceAccount = (clientId = "mdb_sa_id_1", clientSecret = "mdb_sa_sk_secret") =>
  AtlasAuth.layerServiceAccount(clientId, Redacted.make(clientSecret))
const apiKey = () => AtlasAuth.layerDigest("pubkey", Redacted.make("private-secret"))

describe("AtlasAuth over a scripted transport: service account", () => {
  const tokenOk = (token: string, expiresIn = 3600) => raw(200, { access_token: token, expires_in: expiresIn })
  const isToken = (r: HttpClientRequest.HttpClientRequest) => r.url === "https://atlas.test/api/oauth/token"

  it.effect("form-encodes client id and secret (a space as +) in the Basic credentials, asks for JSON", () => {
    const t = scriptedTransport((r) => (isToken(r) ? tokenOk("tok1") : raw(200)))
    return Effect.gen(function* () {
      const { auth } = yield* build(serviceAccount("my id", "s p:ck&").pipe(Layer.provide(t.layer)))
      assert.strictEqual(auth.mode, "ServiceAccount")
      const response = yield* auth.send(get)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(t.seen.length, 2)
      const token = t.seen[0]!
      assert.strictEqual(token.method, "POST")
      assert.strictEqual(token.url, "https://atlas.test/api/oauth/token")
      assert.strictEqual(token.headers["authorization"], `Basic ${Buffer.from("my+id:s+p%3Ack%26").toString("base64")}`)
      assert.strictEqual(token.headers["accept"], "application/json")
      assert.strictEqual(bodyOf(token), "grant_type=client_credentials")
      assert.strictEqual(t.seen[1]!.headers["authorization"], "Bearer tok1")
    })
  })

  const refusal = (response: RawResponse) =>
    Effect.gen(function* () {
      const t = scriptedTransport(() => response)
      const { auth } = yield* build(serviceAccount().pipe(Layer.provide(t.layer)))
      const error = yield* Effect.flip(auth.send(get))
      assert.strictEqual(t.seen.length, 1)
      return error
    })

  const refusals: ReadonlyArray<readonly [string, RawResponse, Record<string, unknown>]> = [
    [
      "the status, the x-error-code header, the reason alone when the body is not JSON",
      raw(401, "<html>no</html>", { "x-error-code": "INVALID_CLIENT" }),
      { status: 401, errorCode: "INVALID_CLIENT", reason: "the service account token request failed" },
    ],
    [
      "OAuth's error and error_description when there is no errorCode or detail",
      raw(400, { error: "invalid_client", error_description: "unknown client" }, { "x-error-code": "HEADER_CODE" }),
      { status: 400, errorCode: "invalid_client", reason: "the service account token request failed: unknown client" },
    ],
    [
      "Atlas's errorCode and detail win over error and error_description",
      raw(401, { errorCode: "ATLAS_CODE", error: "oauth", detail: "the detail", error_description: "other" }),
      { status: 401, errorCode: "ATLAS_CODE", reason: "the service account token request failed: the detail" },
    ],
    [
      "fields that are not strings are left out",
      raw(403, { errorCode: 7, error: 403, detail: null, error_description: 42 }),
      { status: 403, reason: "the service account token request failed" },
    ],
  ]
  for (const [name, response, expected] of refusals)
    it.effect(`a refused token request: ${name}`, () =>
      Effect.map(refusal(response), (error) =>
        assert.deepStrictEqual<unknown>({ ...error }, { _tag: "AuthError", ...expected }),
      ),
    )

  it.effect("a 200 from the token endpoint without an access_token is an AuthError, nothing else sent", () =>
    Effect.gen(function* () {
      const error = yield* refusal(raw(200, { token_type: "Bearer" }))
      assert.deepInclude(error, {
        _tag: "AuthError",
        reason: "the token endpoint answered without an access_token",
        status: 200,
      })
      const notJson = yield* refusal(raw(200, "not json"))
      assert.deepInclude(notJson, { _tag: "AuthError", reason: "the token endpoint answered without an access_token" })
    }),
  )

  it.effect("renews exactly at expiry minus the margin (TestClock): one ms before uses the token, at it renews", () => {
    let issued = 0
    const t = scriptedTransport((r) => (isToken(r) ? tokenOk(`tok${++issued}`, 60) : raw(200)))
    return Effect.gen(function* () {
      const { auth } = yield* build(serviceAccount().pipe(Layer.provide(t.layer)))
      yield* sendAcrossRenewal(auth, () => issued)
      assert.strictEqual(t.seen.at(-1)!.headers["authorization"], "Bearer tok2")
    })
  })

  it.effect(
    "obtainedSecrets: none before the first token, the current one, none after release; revoke is form-encoded",
    () => {
      const t = scriptedTransport((r) => (isToken(r) ? tokenOk("tok/1+") : raw(200)))
      return Effect.gen(function* () {
        const { auth, close } = yield* build(serviceAccount().pipe(Layer.provide(t.layer)))
        assert.deepStrictEqual(auth.obtainedSecrets!(), [])
        yield* auth.send(get)
        assert.deepStrictEqual(auth.obtainedSecrets!(), ["tok/1+"])
        yield* close
        assert.deepStrictEqual(auth.obtainedSecrets!(), [])
        assert.strictEqual(t.seen.length, 3)
        const revoke = t.seen[2]!
        assert.strictEqual(revoke.method, "POST")
        assert.strictEqual(revoke.url, "https://atlas.test/api/oauth/revoke")
        assert.strictEqual(revoke.headers["authorization"], t.seen[0]!.headers["authorization"])
        assert.strictEqual(revoke.headers["accept"], "application/json")
        assert.strictEqual(revoke.headers["content-type"], "application/x-www-form-urlencoded")
        assert.strictEqual(bodyOf(revoke), "token=tok%2F1%2B&token_type_hint=access_token")
      })
    },
  )

  /** Two calls in flight with tok1 (the first fetched it), their requests taken from the inbox. */
  const twoOnTok1 = Effect.gen(function* () {
    const m = yield* manualTransport
    const { auth } = yield* build(serviceAccount().pipe(Layer.provide(m.layer)))
    const a = yield* Effect.forkChild(auth.send(get))
    yield* m.answer(tokenOk("tok1"))
    const b = yield* Effect.forkChild(auth.send(get))
    const sentA = yield* Queue.take(m.inbox)
    const sentB = yield* Queue.take(m.inbox)
    assert.deepStrictEqual(
      [sentA.request.headers["authorization"], sentB.request.headers["authorization"]],
      ["Bearer tok1", "Bearer tok1"],
    )
    return { m, auth, a, b, sentA, sentB }
  })

  it.effect(
    "a 401 drops the token only if it is still the current one: a refusal of an older token keeps the newer",
    () =>
      Effect.gen(function* () {
        const { m, auth, a, b, sentA, sentB } = yield* twoOnTok1
        // B's is refused first: B drops tok1 and gets tok2.
        yield* Deferred.succeed(sentB.reply, raw(401))
        assert.strictEqual((yield* m.answer(tokenOk("tok2"))).url, "https://atlas.test/api/oauth/token")
        assert.strictEqual((yield* m.answer(raw(200))).headers["authorization"], "Bearer tok2")
        assert.strictEqual((yield* Fiber.join(b)).status, 200)
        // A's refusal of tok1 now must not drop tok2: A retries with it, no third token.
        yield* Deferred.succeed(sentA.reply, raw(401))
        assert.strictEqual((yield* m.answer(raw(200))).headers["authorization"], "Bearer tok2")
        assert.strictEqual((yield* Fiber.join(a)).status, 200)
        assert.strictEqual(m.seen.filter(isToken).length, 2)
        assert.deepStrictEqual(auth.obtainedSecrets!(), ["tok2"])
      }),
  )

  it.effect("a 401 that arrives while another call is fetching a new token waits for that token", () =>
    Effect.gen(function* () {
      const { m, a, b, sentA, sentB } = yield* twoOnTok1
      // B is refused and asks for a new token; before it arrives, A is refused too (no current token then).
      yield* Deferred.succeed(sentB.reply, raw(401))
      const tokenRequest = yield* Queue.take(m.inbox)
      assert.strictEqual(tokenRequest.request.url, "https://atlas.test/api/oauth/token")
      yield* Deferred.succeed(sentA.reply, raw(401))
      yield* Deferred.succeed(tokenRequest.reply, tokenOk("tok2"))
      const retries = [yield* m.answer(raw(200)), yield* m.answer(raw(200))]
      assert.deepStrictEqual(
        retries.map((r) => r.headers["authorization"]),
        ["Bearer tok2", "Bearer tok2"],
      )
      assert.strictEqual((yield* Fiber.join(a)).status, 200)
      assert.strictEqual((yield* Fiber.join(b)).status, 200)
      assert.strictEqual(m.seen.filter(isToken).length, 2)
    }),
  )
})

describe("AtlasAuth over a scripted transport: access token and API keys", () => {
  it.effect("an access token: its mode, the bearer header, one request", () => {
    const t = scriptedTransport(() => raw(200))
    return Effect.gen(function* () {
      const { auth } = yield* build(AtlasAuth.layerAccessToken(Redacted.make("abc")).pipe(Layer.provide(t.layer)))
      assert.strictEqual(auth.mode, "AccessToken")
      assert.strictEqual((yield* auth.send(get)).status, 200)
      assert.strictEqual(t.seen.length, 1)
      assert.strictEqual(t.seen[0]!.headers["authorization"], "Bearer abc")
    })
  })

  it.effect("API keys: a server that answers the unauthenticated request is taken at its word", () => {
    const t = scriptedTransport(() => raw(200, { ok: true }))
    return Effect.gen(function* () {
      const { auth } = yield* build(apiKey().pipe(Layer.provide(t.layer)))
      assert.strictEqual(auth.mode, "ApiKey")
      const response = yield* auth.send(get)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(t.seen.length, 1)
      assert.isUndefined(t.seen[0]!.headers["authorization"])
      // No challenge was adopted: the next call asks unauthenticated again.
      yield* auth.send(get)
      assert.strictEqual(t.seen.length, 2)
      assert.isUndefined(t.seen[1]!.headers["authorization"])
    })
  })

  /** n1 adopted and used once, answered 200. */
  const withNonce = (t: { readonly seen: Array<HttpClientRequest.HttpClientRequest> }, auth: AtlasAuthShape) =>
    Effect.gen(function* () {
      assert.strictEqual((yield* auth.send(get)).status, 200)
      assert.strictEqual(t.seen.length, 2)
      assert.strictEqual(nonceOf(t.seen[1]!), "n1")
    })

  it.effect(
    "a fresh nonce refused without stale: the 401 is returned, and the next call starts unauthenticated",
    () => {
      const script = [challenge("n1"), challenge("n2"), challenge("n3"), raw(200)]
      const t = scriptedTransport((_, i) => script[i]!)
      return Effect.gen(function* () {
        const { auth } = yield* build(apiKey().pipe(Layer.provide(t.layer)))
        assert.strictEqual((yield* auth.send(get)).status, 401)
        assert.strictEqual((yield* auth.send(get)).status, 200)
        assert.deepStrictEqual(t.seen.map(nonceOf), [undefined, "n1", undefined, "n3"])
      })
    },
  )

  it.effect("a reused nonce refused without stale re-challenges with the nonce of that answer", () => {
    const script = [challenge("n1"), raw(200), challenge("n2"), raw(200), raw(200)]
    const t = scriptedTransport((_, i) => script[i]!)
    return Effect.gen(function* () {
      const { auth } = yield* build(apiKey().pipe(Layer.provide(t.layer)))
      yield* withNonce(t, auth)
      assert.strictEqual((yield* auth.send(get)).status, 200)
      assert.strictEqual((yield* auth.send(get)).status, 200)
      assert.deepStrictEqual(t.seen.map(nonceOf), [undefined, "n1", "n1", "n2", "n2"])
    })
  })

  it.effect(
    "the re-challenged nonce refused without stale: the 401 is returned as is (wrong keys), not 'stale again'",
    () => {
      const script = [challenge("n1"), raw(200), challenge("n2", true), challenge("n3")]
      const t = scriptedTransport((_, i) => script[i]!)
      return Effect.gen(function* () {
        const { auth } = yield* build(apiKey().pipe(Layer.provide(t.layer)))
        yield* withNonce(t, auth)
        const response = yield* auth.send(get)
        assert.strictEqual(response.status, 401)
        assert.deepStrictEqual(t.seen.map(nonceOf), [undefined, "n1", "n1", "n2"])
      })
    },
  )

  it.effect("a 401 that is not a Digest challenge drops the nonce: the next call starts unauthenticated", () => {
    const script = [
      challenge("n1"),
      raw(200),
      raw(401, { error: 401 }, { "www-authenticate": 'Basic realm="proxy"' }),
      challenge("n2"),
      raw(200),
    ]
    const t = scriptedTransport((_, i) => script[i]!)
    return Effect.gen(function* () {
      const { auth } = yield* build(apiKey().pipe(Layer.provide(t.layer)))
      yield* withNonce(t, auth)
      const error = yield* Effect.flip(auth.send(get))
      assert.strictEqual(error._tag, "Unauthorized")
      assert.include(error.message, "not the challenge Atlas sends")
      assert.strictEqual((yield* auth.send(get)).status, 200)
      assert.deepStrictEqual(t.seen.map(nonceOf), [undefined, "n1", "n1", undefined, "n2"])
    })
  })

  it.effect("a nonce declared stale again ends the call and is dropped: the next call starts unauthenticated", () => {
    const script = [challenge("n1"), challenge("n2", true), challenge("n3", true), challenge("n4"), raw(200)]
    const t = scriptedTransport((_, i) => script[i]!)
    return Effect.gen(function* () {
      const { auth } = yield* build(apiKey().pipe(Layer.provide(t.layer)))
      const error = yield* Effect.flip(auth.send(get))
      assert.strictEqual(error._tag, "Unauthorized")
      assert.include(error.message, "stale again")
      assert.strictEqual((yield* auth.send(get)).status, 200)
      assert.deepStrictEqual(t.seen.map(nonceOf), [undefined, "n1", "n2", undefined, "n4"])
    })
  })

  /** Two calls in flight on n1 (after one that adopted it), their requests taken from the inbox. */
  const twoOnN1 = Effect.gen(function* () {
    const m = yield* manualTransport
    const { auth } = yield* build(apiKey().pipe(Layer.provide(m.layer)))
    const first = yield* Effect.forkChild(auth.send(get))
    yield* m.answer(challenge("n1"))
    yield* m.answer(raw(200))
    yield* Fiber.join(first)
    const a = yield* Effect.forkChild(auth.send(get))
    const b = yield* Effect.forkChild(auth.send(get))
    const sentA = yield* Queue.take(m.inbox)
    const sentB = yield* Queue.take(m.inbox)
    assert.deepStrictEqual([nonceOf(sentA.request), nonceOf(sentB.request)], ["n1", "n1"])
    return { m, auth, a, b, sentA, sentB }
  })
  /** The next call goes out at once on `nonce` and succeeds. */
  const nextCallUses = (m: Effect.Success<typeof manualTransport>, auth: AtlasAuthShape, nonce: string) =>
    Effect.gen(function* () {
      const c = yield* Effect.forkChild(auth.send(get))
      assert.strictEqual(nonceOf(yield* m.answer(raw(200))), nonce)
      assert.strictEqual((yield* Fiber.join(c)).status, 200)
    })
  const notDigest = raw(401, { error: 401 }, { "www-authenticate": 'Basic realm="proxy"' })

  it.effect(
    "two calls re-challenged on the same nonce: the first new nonce is kept, the later one serves only its call",
    () =>
      Effect.gen(function* () {
        const { m, auth, a, b, sentA, sentB } = yield* twoOnN1
        yield* Deferred.succeed(sentA.reply, challenge("n2", true))
        assert.strictEqual(nonceOf(yield* m.answer(raw(200))), "n2")
        yield* Deferred.succeed(sentB.reply, challenge("n3", true))
        assert.strictEqual(nonceOf(yield* m.answer(raw(200))), "n3")
        yield* Fiber.join(a)
        yield* Fiber.join(b)
        yield* nextCallUses(m, auth, "n2")
      }),
  )

  it.effect("a nonce re-challenged after another call dropped it is adopted", () =>
    Effect.gen(function* () {
      const { m, auth, a, b, sentA, sentB } = yield* twoOnN1
      yield* Deferred.succeed(sentB.reply, notDigest)
      assert.strictEqual((yield* Effect.flip(Fiber.join(b)))._tag, "Unauthorized")
      yield* Deferred.succeed(sentA.reply, challenge("n2", true))
      assert.strictEqual(nonceOf(yield* m.answer(raw(200))), "n2")
      yield* Fiber.join(a)
      yield* nextCallUses(m, auth, "n2")
    }),
  )

  it.effect("a refusal of an old nonce does not drop the newer one another call adopted", () =>
    Effect.gen(function* () {
      const { m, auth, a, b, sentA, sentB } = yield* twoOnN1
      yield* Deferred.succeed(sentA.reply, challenge("n2", true))
      const retryA = yield* Queue.take(m.inbox)
      assert.strictEqual(nonceOf(retryA.request), "n2")
      yield* Deferred.succeed(sentB.reply, notDigest)
      assert.strictEqual((yield* Effect.flip(Fiber.join(b)))._tag, "Unauthorized")
      yield* Deferred.succeed(retryA.reply, raw(200))
      yield* Fiber.join(a)
      yield* nextCallUses(m, auth, "n2")
    }),
  )

  it.effect("a call finishing late does not release the wait of a newer first challenge", () =>
    Effect.gen(function* () {
      const m = yield* manualTransport
      const { auth } = yield* build(apiKey().pipe(Layer.provide(m.layer)))
      // A fetches the first challenge, adopts n1, and its answer stays pending.
      const a = yield* Effect.forkChild(auth.send(get))
      yield* m.answer(challenge("n1"))
      const sentA = yield* Queue.take(m.inbox)
      // B on n1 meets a non-Digest 401: n1 is dropped.
      const b = yield* Effect.forkChild(auth.send(get))
      yield* m.answer(notDigest)
      assert.strictEqual((yield* Effect.flip(Fiber.join(b)))._tag, "Unauthorized")
      // C fetches a new first challenge; while it is out, A finishes.
      const c = yield* Effect.forkChild(auth.send(get))
      const sentC = yield* Queue.take(m.inbox)
      assert.isUndefined(nonceOf(sentC.request))
      yield* Deferred.succeed(sentA.reply, raw(200))
      yield* Fiber.join(a)
      // D must wait for C's challenge rather than fetch its own.
      const d = yield* Effect.forkChild(auth.send(get))
      // Let D run to where it waits (scheduler turns, no time): it must have sent nothing.
      for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      assert.strictEqual(yield* Queue.size(m.inbox), 0)
      yield* Deferred.succeed(sentC.reply, challenge("n2"))
      const next = [yield* Queue.take(m.inbox), yield* Queue.take(m.inbox)]
      assert.deepStrictEqual(
        next.map((x) => nonceOf(x.request)),
        ["n2", "n2"],
      )
      for (const x of next) yield* Deferred.succeed(x.reply, raw(200))
      yield* Fiber.join(c)
      yield* Fiber.join(d)
      assert.strictEqual(m.seen.filter((r) => nonceOf(r) === undefined).length, 2)
    }),
  )
})

describe("AtlasAuth loaded afresh (its module-level helpers and layers, evaluated inside the test)", () => {
  it.effect(
    "each mode's layer from a fresh module: Basic credentials, token schema, renewal margin, bearer, digest",
    () =>
      Effect.gen(function* () {
        // A second instance of the module alone (its imports stay shared), loaded by this test.
        const fresh = yield* Effect.promise(() =>
          loadFresh<typeof import("../../src/atlas/AtlasAuth.js")>(
            new URL("../../src/atlas/AtlasAuth.ts", import.meta.url),
          ),
        )
        assert.notStrictEqual(fresh.AtlasAuth, AtlasAuth)
        let issued = 0
        const { seen, layer: transport } = scriptedTransport((request) => {
          if (request.url.endsWith("/api/oauth/token"))
            return raw(200, { access_token: `t${++issued}`, expires_in: 60 })
          if (request.url.endsWith("/digest") && request.headers["authorization"] === undefined) return challenge("n1")
          return raw(200)
        })
        const use = <E>(layer: Layer.Layer<InstanceType<typeof fresh.AtlasAuth>, E, never>) =>
          Effect.gen(function* () {
            const scope = yield* Scope.make()
            const context = yield* Layer.buildWithScope(layer, scope)
            // The service's key, not the class, names it: either copy of the module finds the other's.
            assert.strictEqual(Context.get(context, AtlasAuth), Context.get(context, fresh.AtlasAuth))
            return Context.get(context, fresh.AtlasAuth)
          })

        const sa = yield* use(
          fresh.AtlasAuth.layerServiceAccount("id 1", Redacted.make("sec ret")).pipe(Layer.provide(transport)),
        )
        assert.strictEqual(sa.mode, "ServiceAccount")
        yield* sendAcrossRenewal(sa, () => issued)
        assert.deepStrictEqual(
          seen.map((r) => r.headers["authorization"]),
          [
            `Basic ${Buffer.from("id+1:sec+ret").toString("base64")}`,
            "Bearer t1",
            "Bearer t1",
            seen[0]!.headers["authorization"],
            "Bearer t2",
          ],
        )

        const token = yield* use(fresh.AtlasAuth.layerAccessToken(Redacted.make("abc")).pipe(Layer.provide(transport)))
        assert.strictEqual(token.mode, "AccessToken")
        yield* token.send(get)
        assert.strictEqual(seen.at(-1)!.headers["authorization"], "Bearer abc")

        const digest = yield* use(
          fresh.AtlasAuth.layerDigest("pubkey", Redacted.make("private-secret")).pipe(Layer.provide(transport)),
        )
        assert.strictEqual(digest.mode, "ApiKey")
        assert.strictEqual((yield* digest.send(HttpClientRequest.get("https://atlas.test/digest"))).status, 200)
        assert.strictEqual(nonceOf(seen.at(-1)!), "n1")
        assert.strictEqual(seen.length, 8)

        // The token answer's schema: a 200 without an access_token is refused.
        const noToken = scriptedTransport(() => raw(200, { token_type: "Bearer", expires_in: 60 }))
        const refused = yield* use(
          fresh.AtlasAuth.layerServiceAccount("id", Redacted.make("s")).pipe(Layer.provide(noToken.layer)),
        )
        const error = yield* Effect.flip(refused.send(get))
        assert.deepInclude(error, { _tag: "AuthError", reason: "the token endpoint answered without an access_token" })
        assert.strictEqual(noToken.seen.length, 1)
      }),
  )
})
