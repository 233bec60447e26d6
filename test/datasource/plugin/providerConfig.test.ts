import { describe, expect, it } from "vitest"
import { secretsOf, toClientOptions } from "../../../src/datasource/plugin/ProviderConfig.js"
import { loadFresh } from "../../fresh.js"

const env = { HOME: "/home/someone", MONGODB_ATLAS_ACCESS_TOKEN: "env-token" } as const

describe("toClientOptions", () => {
  it("passes the environment unchanged, and no base URL or auth, for an empty block", () => {
    const options = toClientOptions({}, env)
    expect(options).toStrictEqual({ env: { ...env } })
    expect(options.env).not.toBe(env)
  })

  it("takes the block's base_url", () => {
    expect(toClientOptions({ base_url: "https://atlas.example" }, {})).toStrictEqual({
      env: {},
      baseUrl: "https://atlas.example",
    })
  })

  it("prefers an access token to a service account, and a service account to an API key", () => {
    const all = {
      access_token: "block-token",
      client_id: "id",
      client_secret: "client-secret",
      public_key: "pub",
      private_key: "private-key",
    }
    // A complete mode in the block leaves the environment as it is: no attribute is merged into it.
    expect(toClientOptions(all, env)).toStrictEqual({ env: { ...env }, auth: { accessToken: "block-token" } })
    const { access_token: _, ...serviceAccountAndKey } = all
    expect(toClientOptions(serviceAccountAndKey, env)).toStrictEqual({
      env: { ...env },
      auth: { clientId: "id", clientSecret: "client-secret" },
    })
    expect(toClientOptions({ public_key: "pub", private_key: "private-key" }, env)).toStrictEqual({
      env: { ...env },
      auth: { publicKey: "pub", privateKey: "private-key" },
    })
  })

  it("takes a service account only with both halves, and an API key only with both halves", () => {
    const key = { public_key: "pub", private_key: "private-key" }
    for (const half of [{ client_id: "id" }, { client_secret: "client-secret" }]) {
      expect(toClientOptions({ ...half, ...key }, {}).auth).toStrictEqual({
        publicKey: "pub",
        privateKey: "private-key",
      })
    }
    for (const half of [{ public_key: "pub" }, { private_key: "private-key" }]) {
      expect(toClientOptions(half, {}).auth).toBeUndefined()
    }
  })

  it("merges half a pair into the environment, each attribute first in its own variable chain", () => {
    const base = {
      MONGODB_ATLAS_PUBLIC_API_KEY: "env-pub",
      MONGODB_ATLAS_PRIVATE_API_KEY: "env-private",
      MONGODB_ATLAS_CLIENT_ID: "env-id",
      MONGODB_ATLAS_CLIENT_SECRET: "env-secret",
    }
    expect(toClientOptions({ public_key: "pub" }, base)).toStrictEqual({
      env: { ...base, MONGODB_ATLAS_PUBLIC_API_KEY: "pub" },
    })
    expect(toClientOptions({ private_key: "private-key" }, base)).toStrictEqual({
      env: { ...base, MONGODB_ATLAS_PRIVATE_API_KEY: "private-key" },
    })
    expect(toClientOptions({ client_id: "id" }, base)).toStrictEqual({
      env: { ...base, MONGODB_ATLAS_CLIENT_ID: "id" },
    })
    expect(toClientOptions({ client_secret: "client-secret", base_url: "http://127.0.0.1:1" }, base)).toStrictEqual({
      env: { ...base, MONGODB_ATLAS_CLIENT_SECRET: "client-secret" },
      baseUrl: "http://127.0.0.1:1",
    })
    // Two halves of different modes: both merged, the service picks the mode.
    expect(toClientOptions({ client_id: "id", private_key: "private-key" }, {})).toStrictEqual({
      env: { MONGODB_ATLAS_CLIENT_ID: "id", MONGODB_ATLAS_PRIVATE_API_KEY: "private-key" },
    })
  })

  it("treats empty attributes as unset: they neither win nor hide the environment", () => {
    const fromEnv = { MONGODB_ATLAS_PUBLIC_API_KEY: "env-pub", MONGODB_ATLAS_PRIVATE_API_KEY: "env-private" }
    expect(
      toClientOptions({ access_token: "", client_id: "", client_secret: "", public_key: "", private_key: "" }, fromEnv),
    ).toStrictEqual({ env: { ...fromEnv } })
    expect(toClientOptions({ base_url: "" }, {})).toStrictEqual({ env: {} })
  })
})

describe("secretsOf", () => {
  it("lists the block's secrets, then the environment's, each once, and no public value", () => {
    expect(
      secretsOf(
        {
          base_url: "https://atlas.example",
          public_key: "pub",
          private_key: "private-key",
          client_id: "id",
          client_secret: "client-secret",
          access_token: "block-token",
        },
        {
          MONGODB_ATLAS_PUBLIC_API_KEY: "env-pub",
          MONGODB_ATLAS_PRIVATE_API_KEY: "private-key",
          MONGODB_ATLAS_CLIENT_ID: "env-id",
          MONGODB_ATLAS_CLIENT_SECRET: "env-secret",
          MONGODB_ATLAS_ACCESS_TOKEN: "env-token",
        },
      ),
    ).toEqual([
      "private-key",
      "client-secret",
      "block-token",
      // The Basic credentials a service account would send: the block's pair, then the environment's.
      Buffer.from("id:client-secret").toString("base64"),
      "env-secret",
      "env-token",
      Buffer.from("env-id:env-secret").toString("base64"),
    ])
  })

  it("pairs a client id in the block with a secret from the environment, as the service would", () => {
    expect(secretsOf({ client_id: "block-id" }, { MONGODB_ATLAS_CLIENT_SECRET: "env-secret" })).toEqual([
      "env-secret",
      Buffer.from("block-id:env-secret").toString("base64"),
    ])
  })

  it("skips unset and empty attributes", () => {
    expect(secretsOf({ private_key: "", access_token: "block-token" }, {})).toEqual(["block-token"])
    expect(secretsOf({}, { MCLI_PRIVATE_API_KEY: "cli-private" })).toEqual(["cli-private"])
    expect(secretsOf({}, {})).toEqual([])
  })
})

describe("ProviderConfig loaded afresh (its module-level variable table evaluated inside the test)", () => {
  it("merges half a pair into the attribute's variable and lists the environment's secrets", async () => {
    const fresh = await loadFresh<typeof import("../../../src/datasource/plugin/ProviderConfig.js")>(
      new URL("../../../src/datasource/plugin/ProviderConfig.ts", import.meta.url),
    )
    expect(fresh.toClientOptions).not.toBe(toClientOptions)
    expect(fresh.toClientOptions({ client_id: "id" }, {})).toStrictEqual({ env: { MONGODB_ATLAS_CLIENT_ID: "id" } })
    expect(fresh.secretsOf({}, { MONGODB_ATLAS_ACCESS_TOKEN: "env-token" })).toEqual(["env-token"])
  })
})
