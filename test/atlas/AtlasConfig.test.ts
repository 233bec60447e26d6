import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Redacted, Result } from "effect"
import { checkBaseUrl, Defaults, millis, resolveConfig } from "../../src/atlas/AtlasConfig.js"
import type { AtlasConfig, AuthOptions } from "../../src/atlas/AtlasConfig.js"

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

describe("resolveConfig and checkBaseUrl: exact answers", () => {
  const reasonOf = (options: Parameters<typeof resolveConfig>[0]): string => {
    const r = resolveConfig(options)
    if (Result.isSuccess(r)) throw new Error(`expected an AuthError, got ${r.success.auth._tag}`)
    return r.failure.reason
  }
  const incomplete =
    "the auth option is incomplete: give { accessToken }, { clientId, clientSecret } or { publicKey, privateKey }, each non-empty"
  const variables =
    ": set MONGODB_ATLAS_ACCESS_TOKEN, or MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET, " +
    "or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY"

  it("refuses an auth option with an empty, blank or missing part, whatever the environment", () => {
    for (const auth of [
      { accessToken: "" },
      { accessToken: Redacted.make("  ") },
      { clientId: "", clientSecret: "s" },
      { clientId: "id", clientSecret: " " },
      { clientId: "id" },
      { publicKey: "", privateKey: "p" },
      { publicKey: "pub", privateKey: Redacted.make("") },
      { publicKey: "pub" },
      // Incomplete shapes from a JavaScript caller, which the types would refuse.
    ] as unknown as ReadonlyArray<AuthOptions>) {
      assert.strictEqual(reasonOf({ env: allModes, auth }), incomplete, JSON.stringify(auth))
    }
  })

  it("takes each complete auth option as its own mode", () => {
    const sa = resolved({ env: allModes, auth: { clientId: "opt-id", clientSecret: "opt-secret" } }).auth
    assert.strictEqual(sa._tag, "ServiceAccount")
    if (sa._tag === "ServiceAccount") {
      assert.strictEqual(sa.clientId, "opt-id")
      assert.strictEqual(Redacted.value(sa.clientSecret), "opt-secret")
    }
    const key = resolved({ env: {}, auth: { publicKey: "opt-pub", privateKey: Redacted.make("opt-priv") } }).auth
    assert.strictEqual(key._tag, "ApiKey")
    if (key._tag === "ApiKey") {
      assert.strictEqual(key.publicKey, "opt-pub")
      assert.strictEqual(Redacted.value(key.privateKey), "opt-priv")
    }
  })

  it("names the missing half of a pair from the environment, and nothing when neither half is set", () => {
    assert.strictEqual(reasonOf({ env: {} }), `no Atlas credentials configured${variables}`)
    const halves: ReadonlyArray<[string, string]> = [
      ["MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET"],
      ["MONGODB_ATLAS_CLIENT_SECRET", "MONGODB_ATLAS_CLIENT_ID"],
      ["MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY"],
      ["MONGODB_ATLAS_PRIVATE_API_KEY", "MONGODB_ATLAS_PUBLIC_API_KEY"],
    ]
    for (const [set, missing] of halves) {
      assert.strictEqual(
        reasonOf({ env: { [set]: "value" } }),
        `no Atlas credentials configured (${missing} is missing)${variables}`,
      )
    }
  })

  it("states the rule a refused base URL breaks, with any credentials in it masked", () => {
    const cases: ReadonlyArray<[string, string, string]> = [
      ["not a url", "not a url", "an absolute URL such as https://cloud.mongodb.com"],
      ["ftp://x.test", "ftp://x.test", "an https:// URL"],
      [
        "http://cloud.mongodb.com",
        "http://cloud.mongodb.com",
        "an https:// URL (plain http is allowed only to a loopback address)",
      ],
      ["https://user:pw@x.test", "https://***@x.test", "a URL without credentials in it"],
      ["https://user@x.test", "https://***@x.test", "a URL without credentials in it"],
      ["https://:pw@x.test", "https://***@x.test", "a URL without credentials in it"],
      ["https://x.test/?a=1", "https://x.test/?a=1", "a URL without query or fragment"],
      ["https://x.test/#top", "https://x.test/#top", "a URL without query or fragment"],
    ]
    for (const [raw, shown, rule] of cases) {
      const r = checkBaseUrl(raw, false)
      assert.strictEqual(r.url, shown, raw)
      assert.deepStrictEqual(r.problem?.fields, [{ field: "baseUrl", value: shown, rule }], raw)
    }
  })

  it("lets plain http reach exactly the loopback names and addresses", () => {
    const cases: ReadonlyArray<[string, boolean]> = [
      ["http://localhost:1", true],
      ["http://LOCALHOST:1", true],
      ["http://api.localhost:1", true],
      ["http://localhost.example.test:1", false],
      ["http://[::1]:1", true],
      ["http://[::2]:1", false],
      ["http://127.0.0.1:1", true],
      ["http://127.10.200.255:1", true],
      ["http://127.0.0.1.example.test:1", false],
      ["http://128.0.0.1:1", false],
    ]
    assert.deepStrictEqual(
      cases.map(([url]): [string, boolean] => [url, checkBaseUrl(url, false).problem === undefined]),
      cases,
    )
  })

  it("drops every trailing slash of an accepted base URL", () => {
    assert.deepStrictEqual(checkBaseUrl("https://x.test/atlas//", false), {
      url: "https://x.test/atlas",
      problem: undefined,
    })
  })

  it("falls back to the default for a count that is not a finite number of at least 1, and floors the others", () => {
    const counts = (maxConnections: number) => resolved({ env: { MONGODB_ATLAS_ACCESS_TOKEN: "t" }, maxConnections })
    assert.deepStrictEqual(
      [0, 0.5, -3, Number.NaN, Number.POSITIVE_INFINITY, 1, 2.9].map((n) => counts(n).maxConnections),
      [16, 16, 16, 16, 16, 1, 2],
    )
    const retry = (maxAttempts: number) =>
      resolved({ env: { MONGODB_ATLAS_ACCESS_TOKEN: "t" }, retry: { maxAttempts } }).retry.maxAttempts
    assert.deepStrictEqual([Number.POSITIVE_INFINITY, 0, 1].map(retry), [4, 4, 1])
  })

  it("takes a zero duration as given and falls back on a negative or unset one", () => {
    const fallback = Duration.seconds(7)
    assert.deepStrictEqual(
      [millis(0, fallback), millis(-5, fallback), millis(undefined, fallback), millis("250 millis", fallback)],
      [0, 7000, 7000, 250],
    )
  })
})
