/**
 * A server that echoes a credential back (in an error's detail, its reason,
 * its parameters, an error code header, a body that is not JSON) really puts
 * the secret into the message: the service masks it in the error it builds,
 * in every auth mode (issue 11). The CLI's and terraform's side of the same
 * are in test/cli/cli.test.ts and test/hardening/security.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import { getFlexRestoreJob } from "../../src/index.js"
import { digestChallenge, refOf, startScriptServer } from "../hardening/support.js"
import type { ScriptAnswer, ScriptRequest } from "../hardening/support.js"

const SECRET = "ECHOED-9d1f4c-secret-77ab"

type Server = Awaited<ReturnType<typeof startScriptServer>>
let answer: (request: ScriptRequest) => ScriptAnswer = () => ({ status: 500 })
let server: Server
beforeAll(async () => {
  server = await startScriptServer((request) => answer(request))
})
afterAll(() => server.stop())

const modes: ReadonlyArray<readonly [string, NonNullable<AtlasClientOptions["auth"]>]> = [
  ["API key", { publicKey: "pub", privateKey: SECRET }],
  ["service account", { clientId: "cid", clientSecret: SECRET }],
  ["access token", { accessToken: SECRET }],
]

/** The answer, and whether the error carries what it echoed (masked) or leaves the body out. */
const echoes: ReadonlyArray<readonly [string, ScriptAnswer, boolean]> = [
  [
    "a 400 whose detail echoes it",
    { status: 400, body: { error: 400, detail: `bad key ${SECRET}!`, reason: "Bad" } },
    true,
  ],
  ["a 401 whose reason echoes it", { status: 401, body: { error: 401, reason: `who is ${SECRET}?` } }, true],
  [
    "a 403 whose parameters echo it",
    { status: 403, body: { error: 403, detail: "no", parameters: [SECRET, { k: SECRET }] } },
    true,
  ],
  ["a 404 whose X-Error-Code echoes it", { status: 404, headers: { "x-error-code": `E_${SECRET}` }, body: "" }, true],
  [
    "a 200 that is not JSON and starts with it",
    { status: 200, body: `${SECRET} is not JSON`, headers: { "content-type": "text/plain" } },
    false,
  ],
  [
    "a 200 job whose status echoes it",
    { status: 200, body: { id: "x", status: SECRET.length, detail: SECRET } },
    false,
  ],
]

const failureOf = (options: AtlasClientOptions) =>
  getFlexRestoreJob(refOf(), options).then(
    () => {
      throw new Error("expected a failure")
    },
    (e: unknown) => e as Error & Record<string, unknown>,
  )

describe.each(modes)("%s: an echoed secret is masked in the error", (_, auth) => {
  it.each(echoes)("%s", async (__, echo, carried) => {
    answer = (request) => {
      if (request.path === "/api/oauth/token") return { status: 200, body: { access_token: SECRET, expires_in: 3600 } }
      if (request.path === "/api/oauth/revoke") return { status: 200 }
      if ("publicKey" in auth && request.authorization === undefined) return digestChallenge(false)
      return echo
    }
    const error = await failureOf({ baseUrl: server.url, auth, env: {}, retry: { maxAttempts: 1 } })
    const everything = `${error.message} ${JSON.stringify(error)} ${String(error)}`
    expect(everything).not.toContain(SECRET)
    // Not even a cut-off part of it (JSON.parse quotes the first 10 characters of a body).
    expect(everything).not.toContain(SECRET.slice(0, 6))
    if (carried) expect(everything).toContain("<redacted>")
  })
})

describe("refusals outside the job's answer echo the secret", () => {
  it.each([
    [
      "the token endpoint's error_description: AuthError 401",
      { clientId: "cid", clientSecret: SECRET },
      { status: 401, body: { error: "invalid_client", error_description: `no client ${SECRET}` } },
      "AuthError",
    ],
    [
      "a proxy's Basic 401 to an API key: Unauthorized 401",
      { publicKey: "pub", privateKey: SECRET },
      {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="corp-proxy"' },
        body: { detail: `proxy refused ${SECRET}` },
      },
      "Unauthorized",
    ],
  ] as const)("%s, masked", async (_, auth, echo, tag) => {
    answer = () => echo
    const error = await failureOf({ baseUrl: server.url, auth, env: {}, retry: { maxAttempts: 1 } })
    expect(error).toMatchObject({ _tag: tag, status: 401 })
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(SECRET)
    expect(error.message).toContain("<redacted>")
  })
})

describe("service account: the token it obtained", () => {
  const TOKEN = "OBTAINED-3e8a51-token-c0de"
  it.each([
    ["a 400 whose detail echoes it", { status: 400, body: { error: 400, detail: `token ${TOKEN} is odd` } }],
    ["a 403 whose parameters echo it", { status: 403, body: { error: 403, parameters: [TOKEN] } }],
  ] as const)("%s, masked", async (_, echo) => {
    answer = (request) => {
      if (request.path === "/api/oauth/token") return { status: 200, body: { access_token: TOKEN, expires_in: 3600 } }
      if (request.path === "/api/oauth/revoke") return { status: 200 }
      return echo
    }
    const error = await failureOf({
      baseUrl: server.url,
      auth: { clientId: "cid", clientSecret: SECRET },
      env: {},
      retry: { maxAttempts: 1 },
    })
    const everything = `${error.message} ${JSON.stringify(error)} ${String(error)}`
    expect(everything).not.toContain(TOKEN)
    expect(everything).toContain("<redacted>")
  })
})
