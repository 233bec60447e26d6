/**
 * The emulator's three auth modes over raw `fetch`: digest computed by hand
 * (challenge shape, nonce reuse with rising nc, replay, expiry → stale, wrong
 * key), the OAuth token and revoke endpoints, and bearer tokens that expire.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, digestAuthorization, jobPath, manualClock, parseChallenge } from "./helpers.js"

const path = jobPath(EmulatorSeed.jobs.completed)

describe("emulator: digest auth", () => {
  const clock = manualClock()
  let emulator: RunningEmulator
  const challenge = async () => {
    const response = await fetch(emulator.url + path, { headers: { accept } })
    expect(response.status).toBe(401)
    return { response, params: parseChallenge(response.headers.get("www-authenticate")) }
  }
  const call = (authorization: string, uri = path) => fetch(emulator.url + uri, { headers: { accept, authorization } })
  const sign = (nonce: string, nc: number, overrides: Partial<Parameters<typeof digestAuthorization>[0]> = {}) =>
    digestAuthorization({
      username: emulator.credentials.publicKey,
      password: emulator.credentials.privateKey,
      method: "GET",
      uri: path,
      nonce,
      nc,
      ...overrides,
    })

  beforeAll(async () => {
    emulator = await startEmulator({ now: clock.now, nonceTtlMillis: 60_000 })
  })
  afterAll(() => emulator.stop())

  it("challenges like Atlas, with a pretty-printed JSON 401 body", async () => {
    const { response } = await challenge()
    const header = response.headers.get("www-authenticate")!
    expect(header).toMatch(
      /^Digest realm="MMS Public API", domain="", nonce="[A-Za-z0-9+/=]+", algorithm=MD5, qop="auth", stale=false$/,
    )
    const nonce = parseChallenge(header).nonce!
    expect(nonce).toMatch(/[+/]/)
    expect(nonce).toMatch(/=$/)
    expect(response.headers.get("content-type")).toBe("application/json")
    const text = await response.text()
    expect(text).toContain('\n  "error" : 401,\n')
    expect(JSON.parse(text)).toMatchObject({ error: 401, errorCode: "USER_UNAUTHORIZED", reason: "Unauthorized" })
  })

  it("accepts a hand-computed MD5 qop=auth response and reuses the nonce with a rising nc", async () => {
    emulator.resetStats()
    const { params } = await challenge()
    for (let nc = 1; nc <= 5; nc++) {
      const response = await call(sign(params.nonce!, nc))
      expect(response.status).toBe(200)
      expect(((await response.json()) as { id: string }).id).toBe(EmulatorSeed.jobs.completed)
    }
    const stats = emulator.stats()
    expect(stats.digestChallenges).toBe(1)
    expect(stats.apiRequests).toBe(6)
    expect(stats.byStatus).toEqual({ 200: 5, 401: 1 })
  })

  it("accepts nc values out of order but not twice", async () => {
    const { params } = await challenge()
    expect((await call(sign(params.nonce!, 2))).status).toBe(200)
    expect((await call(sign(params.nonce!, 1))).status).toBe(200)
    const replay = await call(sign(params.nonce!, 2))
    expect(replay.status).toBe(401)
    expect(parseChallenge(replay.headers.get("www-authenticate")).stale).toBe("true")
  })

  it("signs the query string as part of the uri", async () => {
    const { params } = await challenge()
    const uri = `${path}?pretty=true`
    expect((await call(sign(params.nonce!, 1, { uri }), uri)).status).toBe(200)
    // Signed for the bare path but sent with a query: refused.
    expect((await call(sign(params.nonce!, 2), uri)).status).toBe(401)
  })

  it("refuses a wrong private key, a wrong user and a wrong realm with a non-stale challenge", async () => {
    const { params } = await challenge()
    for (const overrides of [{ password: "wrong" }, { username: "someone" }, { realm: "Other" }]) {
      const response = await call(sign(params.nonce!, 1, overrides))
      expect(response.status).toBe(401)
      expect(parseChallenge(response.headers.get("www-authenticate")).stale).toBe("false")
    }
  })

  it("refuses a response computed for another method", async () => {
    const { params } = await challenge()
    expect((await call(sign(params.nonce!, 1, { method: "POST" }))).status).toBe(401)
  })

  it("answers an expired nonce with stale=true, and a wrong key on it with stale=false", async () => {
    const { params } = await challenge()
    expect((await call(sign(params.nonce!, 1))).status).toBe(200)
    clock.advance(60_001)
    const wrong = await call(sign(params.nonce!, 2, { password: "wrong" }))
    expect(parseChallenge(wrong.headers.get("www-authenticate")).stale).toBe("false")
    const stale = await call(sign(params.nonce!, 3))
    expect(stale.status).toBe(401)
    const fresh = parseChallenge(stale.headers.get("www-authenticate"))
    expect(fresh.stale).toBe("true")
    expect(fresh.nonce).not.toBe(params.nonce)
    expect((await call(sign(fresh.nonce!, 1))).status).toBe(200)
  })

  it("treats a nonce it never issued as stale", async () => {
    const response = await call(sign("bm90IGlzc3VlZA==", 1))
    expect(parseChallenge(response.headers.get("www-authenticate")).stale).toBe("true")
  })

  it("refuses Basic and missing fields with a fresh challenge", async () => {
    const basic = await call("Basic " + Buffer.from("a:b").toString("base64"))
    expect(basic.status).toBe(401)
    expect(basic.headers.get("www-authenticate")).toMatch(/^Digest /)
    const partial = await call(`Digest username="${emulator.credentials.publicKey}"`)
    expect(partial.status).toBe(401)
  })
})

describe("emulator: service accounts and bearer tokens", () => {
  const clock = manualClock()
  let emulator: RunningEmulator
  const basic = (id: string, secret: string) => "Basic " + Buffer.from(`${id}:${secret}`).toString("base64")
  const token = (authorization: string, body = "grant_type=client_credentials") =>
    fetch(emulator.url + "/api/oauth/token", {
      method: "POST",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
    })
  const withBearer = (value: string) =>
    fetch(emulator.url + path, { headers: { accept, authorization: `Bearer ${value}` } })
  const goodBasic = () => basic(emulator.credentials.clientId, emulator.credentials.clientSecret)

  beforeAll(async () => {
    emulator = await startEmulator({ now: clock.now, tokenTtlSeconds: 120 })
  })
  afterAll(() => emulator.stop())

  it("issues a bearer token for client credentials", async () => {
    const response = await token(goodBasic())
    expect(response.status).toBe(200)
    expect(response.headers.get("cache-control")).toBe("no-store")
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 120 })
    expect((await withBearer(body.access_token as string)).status).toBe(200)
  })

  it("also takes client_id and client_secret in the form", async () => {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: emulator.credentials.clientId,
      client_secret: emulator.credentials.clientSecret,
    })
    expect((await token("", form.toString())).status).toBe(200)
  })

  it("refuses wrong client credentials with an Atlas-style 401 and a wrong grant with 400", async () => {
    const bad = await token(basic(emulator.credentials.clientId, "nope"))
    expect(bad.status).toBe(401)
    const text = await bad.text()
    expect(JSON.parse(text)).toMatchObject({ error: 401, reason: "Unauthorized" })
    expect(text).not.toContain(emulator.credentials.clientSecret)
    expect((await token("")).status).toBe(401)
    const grant = await token(goodBasic(), "grant_type=password")
    expect(grant.status).toBe(400)
    expect(((await grant.json()) as { errorCode: string }).errorCode).toBe("UNSUPPORTED_GRANT_TYPE")
    expect((await fetch(emulator.url + "/api/oauth/token")).status).toBe(405)
  })

  it("expires issued tokens after the TTL, but never the static access token", async () => {
    const { access_token } = (await (await token(goodBasic())).json()) as { access_token: string }
    clock.advance(119_000)
    expect((await withBearer(access_token)).status).toBe(200)
    clock.advance(1_000)
    const expired = await withBearer(access_token)
    expect(expired.status).toBe(401)
    expect(expired.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_token"/)
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/)
    clock.advance(10 * 365 * 86_400_000)
    expect((await withBearer(emulator.credentials.accessToken)).status).toBe(200)
  })

  it("revokes a token", async () => {
    emulator.resetStats()
    const { access_token } = (await (await token(goodBasic())).json()) as { access_token: string }
    const revoke = await fetch(emulator.url + "/api/oauth/revoke", {
      method: "POST",
      headers: { authorization: goodBasic(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: access_token, token_type_hint: "access_token" }).toString(),
    })
    expect(revoke.status).toBe(200)
    const after = await withBearer(access_token)
    expect(after.status).toBe(401)
    expect(((await after.json()) as { detail: string }).detail).toMatch(/revoked/)
    const stats = emulator.stats()
    expect(stats).toMatchObject({ tokenRequests: 1, tokensIssued: 1, revocations: 1 })
  })

  it("refuses revoke without client credentials", async () => {
    const response = await fetch(emulator.url + "/api/oauth/revoke", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=x",
    })
    expect(response.status).toBe(401)
  })

  it("refuses an unknown bearer token", async () => {
    const response = await withBearer("made-up")
    expect(response.status).toBe(401)
    expect(emulator.stats().digestChallenges).toBe(0)
  })

  it("rate-limits the token endpoint when asked", async () => {
    const limited = await startEmulator({ tokenRateLimit: { capacity: 2, refillPerSecond: 0.1 } })
    try {
      const basicAuth = basic(limited.credentials.clientId, limited.credentials.clientSecret)
      const ask = () =>
        fetch(limited.url + "/api/oauth/token", {
          method: "POST",
          headers: { authorization: basicAuth, "content-type": "application/x-www-form-urlencoded" },
          body: "grant_type=client_credentials",
        })
      expect([(await ask()).status, (await ask()).status]).toEqual([200, 200])
      const refused = await ask()
      expect(refused.status).toBe(429)
      expect(refused.headers.get("retry-after")).toBe("10")
      expect(limited.stats()).toMatchObject({ tokenRequests: 3, tokensIssued: 2 })
    } finally {
      await limited.stop()
    }
  })

  it("accepts the credentials given as options instead of the defaults", async () => {
    const custom = await startEmulator({ credentials: { accessToken: "custom-token" } })
    try {
      const ok = await fetch(custom.url + path, { headers: { accept, authorization: "Bearer custom-token" } })
      expect(ok.status).toBe(200)
      const old = await fetch(custom.url + path, {
        headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` },
      })
      expect(old.status).toBe(401)
      expect(custom.credentials.accessToken).toBe("custom-token")
    } finally {
      await custom.stop()
    }
  })
})
