/**
 * Issue 21: a server that echoes what it was sent (the Authorization header,
 * URL-encoded and JSON-escaped; the request body; the secret it knows, in
 * each encoding) puts every form of a secret into an error. Each auth mode,
 * through each face: the service's error, the CLI's stderr with and without
 * `--debug`, terraform's diagnostics and its `TF_LOG=trace` log. The secrets
 * hold characters that each encoding changes, so a mask of the raw value
 * alone fails here (as it did: `you sent Basic Y2lk…` decoded to
 * `client_id:client_secret`).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inspect } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import { EmulatorSeed } from "../../src/emulator/index.js"
import { getFlexRestoreJob } from "../../src/index.js"
import { cli, ensureBuilt } from "../cli/built.js"
import { buildPlugin } from "../provider/pluginProcess.js"
import type { BuiltPlugin } from "../provider/pluginProcess.js"
import {
  baseEnv,
  cliConfig,
  mainTf,
  runTerraform,
  terraformSuiteTitle,
  terraformVersion,
  workdir,
} from "../provider/terraform.js"
import { digestChallenge, pool, refOf, startScriptServer } from "./support.js"
import type { ScriptAnswer, ScriptRequest } from "./support.js"

/** `+ / = %` change under URL encoding and base64, `" \` under JSON, space under form encoding, é ü beyond ASCII. */
const Echo = {
  publicKey: "pub-echo",
  privateKey: 'PRIVK+ey/é "q" \\ %41=~-echo',
  clientId: "cid-echo",
  clientSecret: 'CLSEC+ret/ü "q" \\ %41=~!-echo',
  // Sent in a header: printable ASCII only.
  accessToken: 'TOKEN+x/y=z %41"q"\\-echo',
  obtained: 'OBTAINED+t/o=k%41"q"-echo',
} as const

/** What client_secret_basic sends (RFC 6749 §2.3.1), computed here independently of the code under test. */
const formEncoded = (value: string) => encodeURIComponent(value).replace(/%20/g, "+")
const basicCredential = Buffer.from(`${formEncoded(Echo.clientId)}:${formEncoded(Echo.clientSecret)}`).toString(
  "base64",
)

/** The forms of a secret a leak scan looks for. */
const formsOf = (secret: string): ReadonlyArray<string> => [
  secret,
  encodeURIComponent(secret),
  formEncoded(secret),
  JSON.stringify(secret).slice(1, -1),
  JSON.stringify(JSON.stringify(secret)).slice(3, -3),
  Buffer.from(secret).toString("base64"),
]

type EchoMode = "token" | "digest" | "service: the token endpoint echoes" | "service: the API echoes the bearer"

const secretOf: Record<EchoMode, string> = {
  token: Echo.accessToken,
  digest: Echo.privateKey,
  "service: the token endpoint echoes": Echo.clientSecret,
  "service: the API echoes the bearer": Echo.obtained,
}
const modes = Object.keys(secretOf) as ReadonlyArray<EchoMode>

/** Every secret of every mode in every form; the Basic credential (and its part past the client id) too. */
const leakForms = [
  ...Object.values(Echo)
    .filter((v) => v !== Echo.publicKey && v !== Echo.clientId)
    .flatMap(formsOf),
  ...formsOf(basicCredential),
  // Base64 of "cid-echo:" is 12 characters; what follows encodes only the secret.
  basicCredential.slice(12),
]
const leaked = (text: string): ReadonlyArray<string> => leakForms.filter((form) => text.includes(form))

/** An answer that repeats what the request carried, and the secret the server knows, in several encodings. */
const echoText = (request: ScriptRequest, secret: string): string => {
  const authorization = request.authorization ?? ""
  return (
    `you sent ${authorization} (${encodeURIComponent(authorization)}, ${JSON.stringify(authorization)}) ` +
    `with body ${JSON.stringify(request.body)}; the key is ${secret}, ${encodeURIComponent(secret)}, ` +
    `${JSON.stringify({ key: secret })}, ${Buffer.from(secret).toString("base64")}`
  )
}

const answerFor =
  (mode: EchoMode) =>
  (request: ScriptRequest): ScriptAnswer => {
    const secret = secretOf[mode]
    if (mode === "digest" && request.authorization === undefined) return digestChallenge(false)
    if (request.path === "/api/oauth/revoke") return { status: 200 }
    if (request.path === "/api/oauth/token") {
      return mode === "service: the token endpoint echoes"
        ? { status: 401, body: { error: "invalid_client", error_description: echoText(request, secret) } }
        : { status: 200, body: { access_token: Echo.obtained, expires_in: 3600 } }
    }
    return { status: 400, body: { error: 400, errorCode: "INVALID", detail: echoText(request, secret) } }
  }

const authOf = (mode: EchoMode): NonNullable<AtlasClientOptions["auth"]> =>
  mode === "token"
    ? { accessToken: Echo.accessToken }
    : mode === "digest"
      ? { publicKey: Echo.publicKey, privateKey: Echo.privateKey }
      : { clientId: Echo.clientId, clientSecret: Echo.clientSecret }

const envOf = (mode: EchoMode, baseUrl: string): Record<string, string> => ({
  MONGODB_ATLAS_BASE_URL: baseUrl,
  ...(mode === "token"
    ? { MONGODB_ATLAS_ACCESS_TOKEN: Echo.accessToken }
    : mode === "digest"
      ? { MONGODB_ATLAS_PUBLIC_API_KEY: Echo.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: Echo.privateKey }
      : { MONGODB_ATLAS_CLIENT_ID: Echo.clientId, MONGODB_ATLAS_CLIENT_SECRET: Echo.clientSecret }),
})

/** An echoing server per mode, started for the whole file. */
const servers = new Map<EchoMode, Awaited<ReturnType<typeof startScriptServer>>>()
beforeAll(async () => {
  for (const mode of modes) servers.set(mode, await startScriptServer(answerFor(mode)))
})
afterAll(async () => {
  for (const server of servers.values()) await server.stop()
})
const urlOf = (mode: EchoMode) => servers.get(mode)!.url

it("the echo really carries each secret in the forms scanned for (so a scan can fail)", () => {
  const request = { method: "POST", path: "/", authorization: `Basic ${basicCredential}`, body: "" }
  const text = JSON.stringify({ detail: echoText(request, Echo.clientSecret) })
  expect(leaked(text)).toEqual(
    expect.arrayContaining([
      encodeURIComponent(Echo.clientSecret),
      JSON.stringify(Echo.clientSecret).slice(1, -1),
      basicCredential,
    ]),
  )
})

describe.each(modes)("%s", (mode) => {
  it("the service's error masks every form", async () => {
    const error = await getFlexRestoreJob(refOf(), {
      baseUrl: urlOf(mode),
      auth: authOf(mode),
      env: {},
      retry: { maxAttempts: 1 },
    }).then(
      () => expect.fail("expected a failure"),
      (e: unknown) => e as Error,
    )
    const everything = `${error.message} ${JSON.stringify(error)} ${String(error)} ${inspect(error, { depth: 10 })}`
    expect(leaked(everything)).toEqual([])
    expect(error.message).toContain("<redacted>")
  })

  it("the CLI's stderr masks every form, with and without --debug", async () => {
    ensureBuilt()
    const args = ["get", "--group-id", EmulatorSeed.groupId, "--name", EmulatorSeed.clusterName]
    const job = ["--restore-job-id", EmulatorSeed.jobs.completed, "--retries", "0"]
    for (const debug of [[], ["--debug"]]) {
      const ran = await cli([...args, ...job, ...debug], envOf(mode, urlOf(mode)))
      expect(ran.code, ran.stderr).not.toBe(0)
      expect(leaked(ran.stdout + ran.stderr), debug.join()).toEqual([])
      expect(ran.stderr).toContain("<redacted>")
    }
  }, 60_000)
})

const tfVersion = terraformVersion()

describe.skipIf(tfVersion === undefined)(
  terraformSuiteTitle(tfVersion, (v) => `terraform ${v}: diagnostics and TF_LOG=trace mask every form`),
  () => {
    let plugin: BuiltPlugin
    let root: string
    let cliFile: string
    beforeAll(async () => {
      plugin = await buildPlugin()
      root = mkdtempSync(join(tmpdir(), "echo-tf-"))
      cliFile = cliConfig(root, plugin.binDir)
    }, 120_000)
    afterAll(() => {
      plugin?.cleanup()
      if (root) rmSync(root, { recursive: true, force: true })
    })

    it("each auth mode, credentials from the environment", async () => {
      const results = await pool(
        2,
        modes.map((mode) => async () => {
          const dir = workdir(root, mainTf(""))
          const log = join(dir, "terraform.log")
          const env = { ...baseEnv(cliFile, dir), ...envOf(mode, urlOf(mode)), TF_LOG: "trace", TF_LOG_PATH: log }
          const plan = await runTerraform(dir, ["plan", "-no-color"], env)
          return { mode, plan, log: readFileSync(log, "utf8") }
        }),
      )
      for (const { mode, plan, log } of results) {
        expect(plan.code, `${mode}: ${plan.stderr}`).toBe(1)
        expect(plan.stderr, mode).toContain("<redacted>")
        expect(leaked([plan.stdout, plan.stderr, log].join("\n")), mode).toEqual([])
      }
    }, 180_000)
  },
)
