import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Redacted, Result } from "effect"
import { checkBaseUrl, Defaults, resolveConfig } from "../../src/atlas/AtlasConfig.js"
import type { AtlasConfig } from "../../src/atlas/AtlasConfig.js"

const resolved = (options: Parameters<typeof resolveConfig>[0]): AtlasConfig => {
  const r = resolveConfig(options)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

const allModes = {
  MONGODB_ATLAS_ACCESS_TOKEN: "env-token",
  MONGODB_ATLAS_CLIENT_ID: "env-client",
  MONGODB_ATLAS_CLIENT_SECRET: "env-client-secret",
  MONGODB_ATLAS_PUBLIC_API_KEY: "env-pub",
  MONGODB_ATLAS_PRIVATE_API_KEY: "env-priv",
}

describe("resolveConfig", () => {
  it("prefers access token, then service account, then API key", () => {
    assert.strictEqual(resolved({ env: allModes }).auth._tag, "AccessToken")
    const { MONGODB_ATLAS_ACCESS_TOKEN: _t, ...noToken } = allModes
    assert.strictEqual(resolved({ env: noToken }).auth._tag, "ServiceAccount")
    const { MONGODB_ATLAS_CLIENT_ID: _i, ...keysOnly } = noToken
    const auth = resolved({ env: keysOnly }).auth
    assert.strictEqual(auth._tag, "ApiKey")
    if (auth._tag === "ApiKey") {
      assert.strictEqual(auth.publicKey, "env-pub")
      assert.strictEqual(Redacted.value(auth.privateKey), "env-priv")
    }
  })

  it("reads the older variable names, the first non-empty winning", () => {
    const auth = resolved({
      env: {
        MONGODB_ATLAS_PUBLIC_API_KEY: " ",
        MONGODB_ATLAS_PUBLIC_KEY: "old-pub",
        MCLI_PRIVATE_API_KEY: "mcli-priv",
      },
    }).auth
    assert.strictEqual(auth._tag, "ApiKey")
    if (auth._tag === "ApiKey") {
      assert.strictEqual(auth.publicKey, "old-pub")
      assert.strictEqual(Redacted.value(auth.privateKey), "mcli-priv")
    }
  })

  it("lets the auth option win over the environment", () => {
    const auth = resolved({ env: allModes, auth: { publicKey: "opt-pub", privateKey: "opt-priv" } }).auth
    assert.strictEqual(auth._tag, "ApiKey")
  })

  it("accepts secrets already redacted", () => {
    const auth = resolved({ env: {}, auth: { accessToken: Redacted.make("t") } }).auth
    assert.strictEqual(auth._tag === "AccessToken" && Redacted.value(auth.accessToken), "t")
  })

  it("names the variables to set when nothing is configured", () => {
    const r = resolveConfig({ env: {} })
    assert.isTrue(Result.isFailure(r))
    if (Result.isFailure(r)) {
      assert.strictEqual(r.failure._tag, "AuthError")
      for (const name of [
        "MONGODB_ATLAS_ACCESS_TOKEN",
        "MONGODB_ATLAS_CLIENT_ID",
        "MONGODB_ATLAS_CLIENT_SECRET",
        "MONGODB_ATLAS_PUBLIC_API_KEY",
        "MONGODB_ATLAS_PRIVATE_API_KEY",
      ])
        assert.include(r.failure.message, name)
    }
  })

  it("says which half of a pair is missing", () => {
    const r = resolveConfig({ env: { MONGODB_ATLAS_PUBLIC_API_KEY: "pub" } })
    assert.isTrue(Result.isFailure(r) && r.failure.message.includes("MONGODB_ATLAS_PRIVATE_API_KEY is missing"))
    const r2 = resolveConfig({ env: {}, auth: { clientId: "id", clientSecret: "" } })
    assert.isTrue(Result.isFailure(r2) && r2.failure._tag === "AuthError")
  })

  it("never shows a secret when printed", () => {
    for (const env of [
      { MONGODB_ATLAS_ACCESS_TOKEN: "s3cret-token" },
      { MONGODB_ATLAS_CLIENT_ID: "id", MONGODB_ATLAS_CLIENT_SECRET: "s3cret-token" },
      { MONGODB_ATLAS_PUBLIC_API_KEY: "pub", MONGODB_ATLAS_PRIVATE_API_KEY: "s3cret-token" },
    ]) {
      const config = resolved({ env })
      assert.notInclude(JSON.stringify(config), "s3cret-token")
      assert.notInclude(String(config.auth), "s3cret-token")
      assert.notInclude(inspect(config, { depth: 10 }), "s3cret-token")
    }
  })

  it("takes the base URL from options, then MONGODB_ATLAS_BASE_URL, then MCLI_OPS_MANAGER_URL", () => {
    const env = { MONGODB_ATLAS_ACCESS_TOKEN: "t" }
    assert.strictEqual(resolved({ env }).baseUrl, Defaults.baseUrl)
    assert.strictEqual(
      resolved({ env: { ...env, MCLI_OPS_MANAGER_URL: "https://ops.test/" } }).baseUrl,
      "https://ops.test",
    )
    assert.strictEqual(
      resolved({ env: { ...env, MCLI_OPS_MANAGER_URL: "https://ops.test/", MONGODB_ATLAS_BASE_URL: "https://b.test" } })
        .baseUrl,
      "https://b.test",
    )
    assert.strictEqual(
      resolved({ env: { ...env, MONGODB_ATLAS_BASE_URL: "https://b.test" }, baseUrl: "https://o.test" }).baseUrl,
      "https://o.test",
    )
  })

  it("applies documented defaults and accepts overrides", () => {
    const d = resolved({ env: { MONGODB_ATLAS_ACCESS_TOKEN: "t" } })
    assert.deepStrictEqual(
      [d.timeoutMillis, d.retry.maxAttempts, d.retry.retryAfterCapMillis, d.maxConnections, d.maxResponseBytes],
      [30_000, 4, 60_000, 16, 1024 * 1024],
    )
    const o = resolved({
      env: { MONGODB_ATLAS_ACCESS_TOKEN: "t" },
      timeout: "2 seconds",
      retry: { maxAttempts: 2, initialDelay: 10, maxDelay: "1 second", retryAfterCap: "5 seconds" },
      maxConnections: 3,
      maxResponseBytes: 100,
    })
    assert.deepStrictEqual(
      [
        o.timeoutMillis,
        o.retry.maxAttempts,
        o.retry.initialDelayMillis,
        o.retry.maxDelayMillis,
        o.retry.retryAfterCapMillis,
      ],
      [2000, 2, 10, 1000, 5000],
    )
    assert.deepStrictEqual([o.maxConnections, o.maxResponseBytes], [3, 100])
  })
})

describe("checkBaseUrl", () => {
  const cases: ReadonlyArray<[string, boolean, boolean]> = [
    ["https://cloud.mongodb.com", false, true],
    ["http://127.0.0.1:1234", false, true],
    ["http://localhost:1234", false, true],
    ["http://[::1]:1234", false, true],
    ["http://cloud.mongodb.com", false, false],
    ["http://cloud.mongodb.com", true, true],
    ["ftp://x.test", true, false],
    ["not a url", false, false],
    ["https://user:pw@x.test", false, false],
    ["https://x.test/?a=1", false, false],
  ]
  for (const [url, insecure, accepted] of cases) {
    it(`${accepted ? "accepts" : "refuses"} ${url}${insecure ? " with allowInsecureHttp" : ""}`, () => {
      const r = checkBaseUrl(url, insecure)
      assert.strictEqual(r.problem === undefined, accepted)
      if (r.problem) {
        assert.strictEqual(r.problem.fields[0]!.field, "baseUrl")
        assert.notInclude(r.problem.message, "pw@")
      }
    })
  }
})
