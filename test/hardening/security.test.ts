/**
 * Issue 6, security: `https` is required for any base URL but loopback unless
 * explicitly allowed; credentials never reach another host on a redirect; a
 * scan of every error path with known secrets configured finds none of them
 * in messages, `String`/`JSON.stringify`/`inspect` of errors, causes, logs,
 * spans, CLI output, synthesized cdktf JSON, or Terraform's output, logs and
 * state; the plugin listens on loopback only.
 *
 * The plugin's refusal of TLS clients without Terraform's certificate is
 * covered by test/provider/plugin.test.ts ("refuses a client without the
 * certificate Terraform gave, or with another one", "refuses to serve without
 * Terraform's client certificate") and is not repeated here.
 */
import { createServer } from "node:http"
import type { IncomingHttpHeaders, Server } from "node:http"
import { connect } from "node:net"
import { networkInterfaces, tmpdir } from "node:os"
import { join } from "node:path"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { inspect } from "node:util"
import type { AddressInfo } from "node:net"
import { Cause, Effect, Exit, Layer, Logger, References, Tracer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import { resolveConfig } from "../../src/atlas/AtlasConfig.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { FaultRule, RunningEmulator } from "../../src/emulator/index.js"
import { makeAtlasProvider } from "../../src/datasource/plugin/AtlasProvider.js"
import { ProviderServer } from "../../src/provider/tfplugin6/ProviderServer.js"
import { encode } from "@msgpack/msgpack"
import { cli, ensureBuilt } from "../cli/built.js"
import { buildPlugin, clientCertificate, startPlugin, terraformEnv } from "../provider/pluginProcess.js"
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
import { countingClient, pool, refOf, Secrets, secretCredentials, startScriptServer, tagOf } from "./support.js"
import type { Mode } from "./support.js"

const JOBS = "/restoreJobs/"

/** Wrong credentials a user might have configured: secrets too, never to be shown. */
const Wrong = {
  privateKey: "WRONGPRIV-0d4e-hardening-a1b2c3",
  clientSecret: "WRONGCLSEC-77aa-hardening-d4e5f6",
  accessToken: "WRONGTOKEN-9f9f-hardening-0a0b0c",
} as const
const allSecrets = [...Object.values(Secrets), ...Object.values(Wrong)]

/** The secrets found in a text, so a failing assertion names them. */
const leaked = (text: string): Array<string> => allSecrets.filter((s) => text.includes(s))

// ---- https ----------------------------------------------------------------------------------------------------------

const isLoopbackHost = (host: string) => host === "localhost" || host.endsWith(".localhost")

describe("https is required for any base URL but loopback, unless explicitly allowed", () => {
  const transport = countingClient(() => Response.json({ id: EmulatorSeed.jobs.completed }, { status: 200 }))
  const get = (options: AtlasClientOptions) =>
    Effect.runPromiseExit(
      FlexRestoreJobs.use((jobs) => jobs.get(refOf())).pipe(
        Effect.provide(FlexRestoreJobsLive.layer({ auth: { accessToken: "t" }, env: {}, ...options })),
        Effect.provide(transport.layer),
      ),
    )

  const refused = async (options: AtlasClientOptions) => {
    const before = transport.urls.length
    const exit = await get(options)
    expect(tagOf(exit)).toBe("InvalidRequest")
    expect(JSON.stringify(exit)).toContain("baseUrl")
    expect(transport.urls.length).toBe(before)
  }
  const allowed = async (options: AtlasClientOptions) => {
    const before = transport.urls.length
    expect(tagOf(await get(options))).toBe("success")
    expect(transport.urls.length).toBe(before + 1)
  }

  it.each([
    "http://cloud.mongodb.com",
    "http://example.com:80",
    "http://10.0.0.1",
    "http://192.168.1.10:8080",
    "http://0.0.0.0:8080",
    "http://[fe80::1]",
    "http://[::ffff:7f00:1]",
    "http://127.0.0.1.nip.io",
    "http://localhost.example.com",
    "http://127.0.0.1@evil.example",
    "ftp://cloud.mongodb.com",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "data:text/plain,hi",
    "ws://127.0.0.1",
    "cloud.mongodb.com",
    "",
  ])("refuses %j and sends nothing", async (baseUrl) => {
    await refused({ baseUrl })
  })

  it.each([
    "https://cloud.mongodb.com",
    "https://cloud.mongodb.com/",
    "http://127.0.0.1:9",
    "http://127.1.2.3",
    "http://localhost:8080",
    "http://[::1]:8080",
  ])("allows %j", async (baseUrl) => {
    await allowed({ baseUrl })
  })

  it("refuses plain http from MONGODB_ATLAS_BASE_URL too", async () => {
    await refused({ env: { MONGODB_ATLAS_BASE_URL: "http://atlas.internal.example" } })
  })

  it("any non-loopback http host is refused; with allowInsecureHttp it is used", async () => {
    const host = fc.oneof(
      fc.domain().filter((d) => !isLoopbackHost(d)),
      fc.ipV4().filter((ip) => !ip.startsWith("127.")),
    )
    await fc.assert(
      fc.asyncProperty(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), async (h, port) => {
        const baseUrl = `http://${h}${port === undefined ? "" : `:${port}`}`
        await refused({ baseUrl })
        await allowed({ baseUrl, allowInsecureHttp: true })
      }),
      { numRuns: 100 },
    )
  })

  it("the plugin refuses a plain-http base_url with a diagnostic on base_url", async () => {
    const server = new ProviderServer({ provider: makeAtlasProvider({ env: { MONGODB_ATLAS_ACCESS_TOKEN: "t" } }) })
    const answer = await server.configureProvider({
      config: {
        msgpack: encode({
          base_url: "http://atlas.example.com",
          access_token: null,
          client_id: null,
          client_secret: null,
          private_key: null,
          public_key: null,
        }),
      },
    })
    expect(answer.diagnostics?.[0]?.attribute?.steps[0]?.attribute_name).toBe("base_url")
    await server.close()
  })
})

// ---- redirects --------------------------------------------------------------------------------------------------------

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
}

/** A second server on another loopback address: it records what reaches it and answers like Atlas would. */
const startStranger = async (host: string) => {
  const seen: Array<Seen> = []
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers })
    req.resume()
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ id: EmulatorSeed.jobs.completed, status: "COMPLETED", access_token: "stranger" }))
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as AddressInfo
  return {
    seen,
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

type Stranger = Awaited<ReturnType<typeof startStranger>>

const transports = {
  "layerFetch (redirects not followed)": (options: AtlasClientOptions) => FlexRestoreJobsLive.layerFetch(options),
  "plain FetchHttpClient (fetch follows)": (options: AtlasClientOptions) =>
    FlexRestoreJobsLive.layer(options).pipe(Layer.provide(FetchHttpClient.layer)),
  "HttpClient.followRedirects over fetch": (options: AtlasClientOptions) =>
    FlexRestoreJobsLive.layer(options).pipe(
      Layer.provide(
        Layer.effect(
          HttpClient.HttpClient,
          Effect.gen(function* () {
            return HttpClient.followRedirects(yield* HttpClient.HttpClient, 5)
          }),
        ).pipe(Layer.provide(FetchHttpClient.layer)),
      ),
    ),
} as const

describe("credentials never reach another host on a redirect", () => {
  let emulator: RunningEmulator
  let strangers: Array<Stranger>
  beforeAll(async () => {
    emulator = await startEmulator({ credentials: secretCredentials })
    // Another loopback address, and the same address on another port.
    strangers = await Promise.all([startStranger("127.0.0.2"), startStranger("127.0.0.1")])
  })
  afterAll(async () => {
    await emulator.stop()
    for (const s of strangers) await s.stop()
  })

  const auth = (mode: Mode): NonNullable<AtlasClientOptions["auth"]> =>
    mode === "token"
      ? { accessToken: Secrets.accessToken }
      : mode === "digest"
        ? { publicKey: emulator.credentials.publicKey, privateKey: Secrets.privateKey }
        : { clientId: emulator.credentials.clientId, clientSecret: Secrets.clientSecret }

  /** Redirects every authenticated request (the digest challenge itself passes) to the stranger, same path. */
  const redirectTo = (stranger: Stranger, status: number, mode: Mode, path = JOBS): Array<FaultRule> => [
    ...(mode === "digest" ? [{ match: { path, times: 1 }, headers: { "x-challenge": "passed through" } }] : []),
    {
      match: { path },
      status,
      body: "",
      headers: {
        location: `${stranger.url}/api/atlas/v2/groups/${EmulatorSeed.groupId}/flexClusters/flex-demo/backup/restoreJobs/${EmulatorSeed.jobs.completed}`,
      },
    },
  ]

  const cases = (["token", "digest", "service"] as const).flatMap((mode) =>
    [302, 307, 308].flatMap((status) =>
      Object.keys(transports).flatMap((transport) =>
        [0, 1].map((stranger) => ({ mode, status, transport: transport as keyof typeof transports, stranger })),
      ),
    ),
  )

  it.each(cases)("$mode, $status to stranger #$stranger, over $transport", async (c) => {
    const stranger = strangers[c.stranger]!
    stranger.seen.length = 0
    emulator.setFaults(redirectTo(stranger, c.status, c.mode))
    try {
      const exit = await Effect.runPromiseExit(
        FlexRestoreJobs.use((jobs) => jobs.get(refOf())).pipe(
          Effect.provide(
            transports[c.transport]({
              baseUrl: emulator.url,
              auth: auth(c.mode),
              env: {},
              retry: { maxAttempts: 1 },
              timeout: 2000,
            }),
          ),
        ),
      )
      for (const request of stranger.seen) {
        expect(request.headers.authorization, `${request.method} ${request.url}`).toBeUndefined()
        expect(leaked(JSON.stringify(request))).toEqual([])
      }
      if (c.transport === "layerFetch (redirects not followed)") {
        expect(tagOf(exit)).toBe("UnexpectedStatus")
        expect(stranger.seen).toEqual([])
      }
    } finally {
      emulator.clearFaults()
    }
  })

  it("a service account's token request redirected (307, body replayed) never carries the secret to the stranger", async () => {
    for (const transport of Object.keys(transports) as Array<keyof typeof transports>) {
      const stranger = strangers[0]!
      stranger.seen.length = 0
      emulator.setFaults(redirectTo(stranger, 307, "service", "/api/oauth/"))
      try {
        const exit = await Effect.runPromiseExit(
          FlexRestoreJobs.use((jobs) => jobs.get(refOf())).pipe(
            Effect.provide(
              transports[transport]({
                baseUrl: emulator.url,
                auth: auth("service"),
                env: {},
                retry: { maxAttempts: 1 },
              }),
            ),
          ),
        )
        expect(tagOf(exit)).not.toBe("success")
        for (const request of stranger.seen) expect(request.headers.authorization).toBeUndefined()
        if (transport === "layerFetch (redirects not followed)") expect(stranger.seen).toEqual([])
      } finally {
        emulator.clearFaults()
      }
    }
  })
})

// ---- the secret scan: the service ---------------------------------------------------------------------------------

interface Collected {
  readonly logs: Array<string>
  readonly spans: Array<string>
}

/** A tracer that keeps every span's name, attributes, events and links as text. */
const collectingTracer = (into: Array<string>) =>
  Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      const end = span.end.bind(span)
      span.end = (endTime, exit) => {
        into.push(
          inspect(
            { name: span.name, attributes: span.attributes, events: span.events, links: span.links, exit },
            {
              depth: 8,
            },
          ),
        )
        end(endTime, exit)
      }
      return span
    },
  })

interface ScanCase {
  readonly name: string
  readonly expect: string
  readonly options: (emulator: RunningEmulator) => AtlasClientOptions
  readonly faults?: ReadonlyArray<FaultRule>
  readonly ref?: Partial<ReturnType<typeof refOf>>
  readonly wait?: true
  readonly job?: keyof typeof EmulatorSeed.jobs
}

const quick = { retry: { maxAttempts: 2, initialDelay: 1, retryAfterCap: 20 }, timeout: 1000 } as const
const withAuth =
  (mode: Mode, wrong = false) =>
  (e: RunningEmulator): AtlasClientOptions => ({
    ...quick,
    baseUrl: e.url,
    env: {},
    auth:
      mode === "token"
        ? { accessToken: wrong ? Wrong.accessToken : Secrets.accessToken }
        : mode === "digest"
          ? { publicKey: e.credentials.publicKey, privateKey: wrong ? Wrong.privateKey : Secrets.privateKey }
          : { clientId: e.credentials.clientId, clientSecret: wrong ? Wrong.clientSecret : Secrets.clientSecret },
  })
const fromEnv =
  (mode: Mode) =>
  (e: RunningEmulator): AtlasClientOptions => ({
    ...quick,
    env:
      mode === "token"
        ? { MONGODB_ATLAS_BASE_URL: e.url, MONGODB_ATLAS_ACCESS_TOKEN: Secrets.accessToken }
        : mode === "digest"
          ? {
              MONGODB_ATLAS_BASE_URL: e.url,
              MONGODB_ATLAS_PUBLIC_API_KEY: e.credentials.publicKey,
              MONGODB_ATLAS_PRIVATE_API_KEY: Secrets.privateKey,
            }
          : {
              MONGODB_ATLAS_BASE_URL: e.url,
              MONGODB_ATLAS_CLIENT_ID: e.credentials.clientId,
              MONGODB_ATLAS_CLIENT_SECRET: Secrets.clientSecret,
            },
  })

const scanCases: ReadonlyArray<ScanCase> = (["token", "digest", "service"] as const).flatMap(
  (mode): Array<ScanCase> => [
    { name: `${mode}: invalid id`, expect: "InvalidRequest", options: withAuth(mode), ref: { restoreJobId: "x/../y" } },
    {
      name: `${mode}: non-flex cluster`,
      expect: "BadRequest",
      options: withAuth(mode),
      ref: { name: EmulatorSeed.dedicatedClusterName },
    },
    {
      name: `${mode}: forbidden project`,
      expect: "Forbidden",
      options: fromEnv(mode),
      ref: { groupId: EmulatorSeed.forbiddenGroupId },
    },
    {
      name: `${mode}: unknown job`,
      expect: "NotFound",
      options: withAuth(mode),
      ref: { restoreJobId: "66a0000000000000000000ee" },
    },
    {
      name: `${mode}: wrong credentials`,
      expect: mode === "service" ? "AuthError" : "Unauthorized",
      options: withAuth(mode, true),
    },
    {
      name: `${mode}: rate limited`,
      expect: "RateLimited",
      options: fromEnv(mode),
      faults: [{ match: { path: JOBS }, status: 429, headers: { "retry-after": "1" } }],
    },
    {
      name: `${mode}: 503`,
      expect: "ServerError",
      options: withAuth(mode),
      faults: [{ match: { path: JOBS }, status: 503 }],
    },
    {
      name: `${mode}: 410`,
      expect: "UnexpectedStatus",
      options: withAuth(mode),
      faults: [{ match: { path: JOBS }, status: 410 }],
    },
    {
      name: `${mode}: reset`,
      expect: "TransportError",
      options: fromEnv(mode),
      faults: [{ match: { path: JOBS }, reset: true }],
    },
    {
      name: `${mode}: hang`,
      expect: "Timeout",
      options: (e) => ({ ...withAuth(mode)(e), timeout: 150 }),
      faults: [{ match: { path: JOBS }, hang: true }],
    },
    {
      name: `${mode}: HTML 200`,
      expect: "ResponseDecodeError",
      options: withAuth(mode),
      faults: [{ match: { path: JOBS }, html: true, status: 200 }],
    },
    { name: `${mode}: wait times out`, expect: "WaitTimeout", options: fromEnv(mode), job: "stuck", wait: true },
  ],
)

const extraScanCases: ReadonlyArray<ScanCase> = [
  {
    name: "base URL carrying the private key as its password",
    expect: "InvalidRequest",
    options: (e) => ({ ...withAuth("digest")(e), baseUrl: e.url.replace("//", `//user:${Secrets.privateKey}@`) }),
  },
  {
    name: "token endpoint failing",
    expect: "AuthError",
    options: withAuth("service"),
    faults: [{ match: { path: "/api/oauth/token" }, status: 500 }],
  },
  {
    name: "digest challenge unreadable: Unauthorized 401 saying so",
    expect: "Unauthorized",
    options: withAuth("digest"),
    faults: [{ match: { path: JOBS }, status: 401, headers: { "www-authenticate": "Digest realm=x" } }],
  },
  {
    name: "only the private key set in the environment",
    expect: "AuthError",
    options: () => ({ env: { MONGODB_ATLAS_PRIVATE_API_KEY: Secrets.privateKey } }),
  },
  {
    name: "only the client secret set in the environment",
    expect: "AuthError",
    options: () => ({ env: { MONGODB_ATLAS_CLIENT_SECRET: Secrets.clientSecret } }),
  },
  {
    name: "redirect to elsewhere",
    expect: "UnexpectedStatus",
    options: withAuth("token"),
    faults: [{ match: { path: JOBS }, status: 302, body: "", headers: { location: "http://127.0.0.2:9/x" } }],
  },
]

describe("secret scan: every error path of the service, secrets configured, none shown", () => {
  let emulator: RunningEmulator
  const emulatorLog: Array<string> = []
  beforeAll(async () => {
    emulator = await startEmulator({ credentials: secretCredentials, log: (line) => emulatorLog.push(line) })
  })
  afterAll(() => emulator.stop())

  it("the resolved configuration shows no secret when printed", () => {
    for (const mode of ["token", "digest", "service"] as const) {
      const config = resolveConfig(withAuth(mode)(emulator))
      expect(leaked(JSON.stringify(config) + inspect(config, { depth: 10 }) + String(config))).toEqual([])
    }
  })

  it.each([...scanCases, ...extraScanCases].map((c) => [c.name, c] as const))("%s", async (_, c) => {
    emulator.setFaults(c.faults ?? [])
    const collected: Collected = { logs: [], spans: [] }
    const ref = { ...refOf(c.job), ...c.ref }
    try {
      const exit = await Effect.runPromiseExit(
        FlexRestoreJobs.use((jobs) => (c.wait ? jobs.wait(ref, { interval: 10, timeout: 100 }) : jobs.get(ref))).pipe(
          Effect.provide(FlexRestoreJobsLive.layerFetch(c.options(emulator))),
          Effect.provide(
            Logger.layer([Logger.make((o) => collected.logs.push(inspect(o.message) + inspect(o.fiber.id)))]),
          ),
          Effect.provideService(References.MinimumLogLevel, "All"),
          Effect.provideService(Tracer.Tracer, collectingTracer(collected.spans)),
        ),
      )
      expect(tagOf(exit)).toBe(c.expect)
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      const texts = [
        (error as Error).message,
        String(error),
        JSON.stringify(error),
        JSON.stringify(exit),
        inspect(error, { depth: 10, showHidden: true }),
        (error as Error).stack ?? "",
        Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "",
        ...collected.logs,
        ...collected.spans,
        ...emulatorLog,
      ]
      expect(collected.spans.length).toBeGreaterThan(c.expect === "AuthError" || c.expect === "InvalidRequest" ? -1 : 0)
      for (const text of texts) expect(leaked(text)).toEqual([])
    } finally {
      emulator.clearFaults()
    }
  })
})

// ---- the secret scan: CLI, cdktf --------------------------------------------------------------------------------------

describe("secret scan: the CLI's stdout and stderr, --debug included", () => {
  let emulator: RunningEmulator
  beforeAll(async () => {
    ensureBuilt()
    emulator = await startEmulator({
      credentials: secretCredentials,
      faults: [
        { match: { path: "66a00000000000000000f500" }, status: 500 },
        { match: { path: "66a00000000000000000f501" }, hang: true },
        { match: { path: "66a00000000000000000f502" }, reset: true },
        { match: { path: "66a00000000000000000f503" }, html: true, status: 200 },
        {
          match: { path: "66a00000000000000000f504" },
          status: 302,
          body: "",
          headers: { location: "http://127.0.0.2:9/" },
        },
      ],
    })
  }, 120_000)
  afterAll(() => emulator.stop())

  const env = (mode: Mode, wrong = false): Record<string, string> => ({
    MONGODB_ATLAS_BASE_URL: emulator.url,
    ...(mode === "token"
      ? { MONGODB_ATLAS_ACCESS_TOKEN: wrong ? Wrong.accessToken : Secrets.accessToken }
      : mode === "digest"
        ? {
            MONGODB_ATLAS_PUBLIC_API_KEY: emulator.credentials.publicKey,
            MONGODB_ATLAS_PRIVATE_API_KEY: wrong ? Wrong.privateKey : Secrets.privateKey,
          }
        : {
            MONGODB_ATLAS_CLIENT_ID: emulator.credentials.clientId,
            MONGODB_ATLAS_CLIENT_SECRET: wrong ? Wrong.clientSecret : Secrets.clientSecret,
          }),
  })
  const args = (job: string, extra: Array<string> = [], timeout = "10s") => [
    "--group-id",
    EmulatorSeed.groupId,
    "--name",
    EmulatorSeed.clusterName,
    "--restore-job-id",
    job,
    "--request-timeout",
    timeout,
    "--retries",
    "0",
    ...extra,
  ]

  it("no secret in any output, whatever fails, in each auth mode", async () => {
    const debug = ["--debug"]
    const runs: Array<[string, Array<string>, Record<string, string>, number]> = []
    for (const mode of ["token", "digest", "service"] as const) {
      runs.push(
        [`${mode} ok`, ["get", ...args(EmulatorSeed.jobs.completed, debug)], env(mode), 0],
        [`${mode} wrong`, ["get", ...args(EmulatorSeed.jobs.completed, debug)], env(mode, true), -1],
        [`${mode} 500`, ["get", ...args("66a00000000000000000f500", debug)], env(mode), 1],
        [`${mode} hang`, ["get", ...args("66a00000000000000000f501", debug, "300ms")], env(mode), 3],
        [`${mode} reset`, ["get", ...args("66a00000000000000000f502", debug)], env(mode), 3],
        [`${mode} html`, ["get", ...args("66a00000000000000000f503", debug)], env(mode), 1],
        [`${mode} redirect`, ["get", ...args("66a00000000000000000f504", debug)], env(mode), 1],
        [`${mode} bad id`, ["get", ...args("X%2F..", debug)], env(mode), 2],
        [
          `${mode} wait`,
          [
            "wait",
            ...args(EmulatorSeed.jobs.stuck, [...debug, "--timeout", "200ms", "--interval", "50ms", "--progress"]),
          ],
          env(mode),
          4,
        ],
      )
    }
    runs.push(
      ["digest wrong, no --debug", ["get", ...args(EmulatorSeed.jobs.completed)], env("digest", true), -1],
      [
        "credentials in --base-url",
        [
          "get",
          ...args(EmulatorSeed.jobs.completed, [
            "--debug",
            "--base-url",
            emulator.url.replace("//", `//u:${Secrets.privateKey}@`),
          ]),
        ],
        env("digest"),
        2,
      ],
      [
        "half a key pair",
        ["get", ...args(EmulatorSeed.jobs.completed, ["--debug"])],
        { MONGODB_ATLAS_PRIVATE_API_KEY: Secrets.privateKey },
        2,
      ],
    )
    const results = await pool(
      3,
      runs.map(
        ([, a, e]) =>
          () =>
            cli(a, e),
      ),
    )
    results.forEach((r, i) => {
      const [name, , , code] = runs[i]!
      if (code >= 0) expect(r.code, `${name}: ${r.stderr}`).toBe(code)
      else expect(r.code, name).not.toBe(0)
      expect(leaked(r.stdout + r.stderr), name).toEqual([])
    })
  }, 60_000)
})

describe("secret scan: synthesized cdktf JSON and synth-time lookups", () => {
  let emulator: RunningEmulator
  beforeAll(async () => {
    emulator = await startEmulator({ credentials: secretCredentials })
  })
  afterAll(() => emulator.stop())

  it("a stack with a lookup (credentials from the environment) synthesizes without any secret", async () => {
    const { App, TerraformOutput, TerraformStack, Testing } = await import("cdktf")
    const { DataMongodbatlasFlexRestoreJob, lookupFlexRestoreJob, MongodbatlasProvider } =
      await import("../../src/cdktf/index.js")
    const outdir = mkdtempSync(join(tmpdir(), "hardening-cdktf-"))
    try {
      const env = {
        MONGODB_ATLAS_BASE_URL: emulator.url,
        MONGODB_ATLAS_PUBLIC_API_KEY: emulator.credentials.publicKey,
        MONGODB_ATLAS_PRIVATE_API_KEY: Secrets.privateKey,
        MONGODB_ATLAS_CLIENT_SECRET: Secrets.clientSecret,
      }
      const job = await lookupFlexRestoreJob(
        { projectId: EmulatorSeed.groupId, name: EmulatorSeed.clusterName, restoreJobId: EmulatorSeed.jobs.download },
        { env },
      )
      const app = new App({ outdir })
      const stack = new TerraformStack(app, "scan")
      new MongodbatlasProvider(stack, "atlas", { baseUrl: emulator.url })
      const data = new DataMongodbatlasFlexRestoreJob(stack, "job", {
        projectId: EmulatorSeed.groupId,
        name: EmulatorSeed.clusterName,
        restoreJobId: EmulatorSeed.jobs.download,
      })
      for (const [key, value] of Object.entries(job)) new TerraformOutput(stack, `looked_up_${key}`, { value })
      new TerraformOutput(stack, "status", { value: data.status })
      const json = Testing.synth(stack)
      expect(json).toContain(EmulatorSeed.jobs.download)
      expect(leaked(json)).toEqual([])
      app.synth()
      expect(leaked(readFileSync(join(outdir, "stacks", "scan", "cdk.tf.json"), "utf8"))).toEqual([])
      for (const wrong of [
        { MONGODB_ATLAS_ACCESS_TOKEN: Wrong.accessToken },
        { MONGODB_ATLAS_CLIENT_ID: "id", MONGODB_ATLAS_CLIENT_SECRET: Wrong.clientSecret },
        { MONGODB_ATLAS_PUBLIC_API_KEY: "pub", MONGODB_ATLAS_PRIVATE_API_KEY: Wrong.privateKey },
      ]) {
        const error: unknown = await lookupFlexRestoreJob(
          { projectId: EmulatorSeed.groupId, name: EmulatorSeed.clusterName, restoreJobId: EmulatorSeed.jobs.download },
          { env: { MONGODB_ATLAS_BASE_URL: emulator.url, ...wrong } },
        ).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(Error)
        expect(leaked(String(error) + JSON.stringify(error) + inspect(error, { depth: 10 }))).toEqual([])
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true })
    }
  })
})

// ---- the plugin and Terraform ---------------------------------------------------------------------------------------

const tfVersion = terraformVersion()

describe("the plugin listens on loopback only", () => {
  let plugin: BuiltPlugin
  beforeAll(async () => {
    plugin = await buildPlugin()
  }, 120_000)
  afterAll(() => plugin?.cleanup())

  it("announces 127.0.0.1 and cannot be reached on any other interface", async () => {
    const p = startPlugin(plugin.bin, terraformEnv(clientCertificate(plugin.dir)))
    try {
      const handshake = await p.handshake
      expect(handshake.line.split("|")[3]).toMatch(/^127\.0\.0\.1:\d+$/)
      const others = Object.values(networkInterfaces())
        .flat()
        .filter((i) => i !== undefined && !i.internal)
        .map((i) => i!.address)
      if (others.length === 0)
        console.warn("hardening: no non-loopback interface here; only the announced address was checked")
      for (const address of others) {
        const reached = await new Promise<boolean>((resolve) => {
          const socket = connect({ host: address, port: handshake.port, timeout: 1000 })
          socket.once("connect", () => (socket.destroy(), resolve(true)))
          socket.once("error", () => resolve(false))
          socket.once("timeout", () => (socket.destroy(), resolve(false)))
        })
        expect(reached, `reachable on ${address}:${handshake.port}`).toBe(false)
      }
    } finally {
      p.child.kill("SIGTERM")
      await p.exit
    }
  })

  describe.skipIf(tfVersion === undefined)(
    terraformSuiteTitle(tfVersion, (v) => `secret scan: terraform ${v} output, provider log and state`),
    () => {
      let emulator: RunningEmulator
      let stranger: Stranger
      let root: string
      let cliFile: string
      beforeAll(async () => {
        emulator = await startEmulator({ credentials: secretCredentials })
        stranger = await startStranger("127.0.0.2")
        emulator.setFaults([
          { match: { path: "66a00000000000000000f500" }, status: 500 },
          { match: { path: "66a00000000000000000f503" }, html: true, status: 200 },
          {
            match: { path: "66a00000000000000000f504" },
            status: 307,
            body: "",
            headers: { location: `${stranger.url}/api/atlas/v2/x` },
          },
        ])
        root = mkdtempSync(join(tmpdir(), "hardening-tf-"))
        cliFile = cliConfig(root, plugin.binDir)
      })
      afterAll(async () => {
        await emulator?.stop()
        await stranger?.stop()
        if (root) rmSync(root, { recursive: true, force: true })
      })

      const blocks = (): Record<string, { block: string; env: Record<string, string> }> => ({
        "api key in the block": {
          block: `  base_url = "${emulator.url}"\n  public_key = "${emulator.credentials.publicKey}"\n  private_key = "${Secrets.privateKey}"`,
          env: {},
        },
        "service account from the environment": {
          block: "",
          env: {
            MONGODB_ATLAS_BASE_URL: emulator.url,
            MONGODB_ATLAS_CLIENT_ID: emulator.credentials.clientId,
            MONGODB_ATLAS_CLIENT_SECRET: Secrets.clientSecret,
          },
        },
        "access token in the block": {
          block: `  base_url = "${emulator.url}"\n  access_token = "${Secrets.accessToken}"`,
          env: {},
        },
        "wrong api key in the block": {
          block: `  base_url = "${emulator.url}"\n  public_key = "${emulator.credentials.publicKey}"\n  private_key = "${Wrong.privateKey}"`,
          env: {},
        },
      })

      it("apply and plan over success and error paths show no secret anywhere", async () => {
        const runs: Array<() => Promise<string>> = []
        for (const [name, { block, env }] of Object.entries(blocks())) {
          // Every error path once across the modes, success in each: seven terraform runs, not twenty.
          const jobs = {
            "api key in the block": [
              EmulatorSeed.jobs.completed,
              "66a00000000000000000f500",
              "66a00000000000000000f504",
            ],
            "service account from the environment": [EmulatorSeed.jobs.completed, "66a00000000000000000f503"],
            "access token in the block": [EmulatorSeed.jobs.completed],
            "wrong api key in the block": [EmulatorSeed.jobs.completed],
          }[name]!
          for (const job of jobs) {
            runs.push(async () => {
              const dir = workdir(root, mainTf(block, { restore_job_id: job }))
              const log = join(dir, "provider.log")
              const tfEnv = { ...baseEnv(cliFile, dir), ...env, TF_LOG_PROVIDER: "trace", TF_LOG_PATH: log }
              const apply = await runTerraform(dir, ["apply", "-auto-approve", "-no-color"], tfEnv)
              const ok = name !== "wrong api key in the block" && job === EmulatorSeed.jobs.completed
              expect(apply.code, `${name} ${job}: ${apply.stderr}`).toBe(ok ? 0 : 1)
              const output = ok ? await runTerraform(dir, ["output", "-json"], tfEnv) : { stdout: "", stderr: "" }
              const read = (file: string) => {
                try {
                  return readFileSync(join(dir, file), "utf8")
                } catch {
                  return ""
                }
              }
              const everything = [
                apply.stdout,
                apply.stderr,
                output.stdout,
                output.stderr,
                read("terraform.tfstate"),
                read("provider.log"),
              ].join("\n")
              if (ok) expect(read("terraform.tfstate")).toContain(EmulatorSeed.jobs.completed)
              return leaked(everything)
                .map((s) => `${name} / ${job}: ${s}`)
                .join("\n")
            })
          }
        }
        const leaks = (await pool(4, runs)).filter(Boolean)
        expect(leaks).toEqual([])
        for (const request of stranger.seen) expect(request.headers.authorization).toBeUndefined()
      }, 120_000)

      it("a server echoing the token, and a base URL with a password: masked in diagnostics and TF_LOG logs", async () => {
        // Here the messages really carry the secrets (issue 11): the scans above pass even if nothing is masked.
        const echo = await startScriptServer(() => ({
          status: 400,
          body: { error: 400, errorCode: "INVALID", detail: `token ${Secrets.accessToken} is not valid here` },
        }))
        const password = "URLPASS-tf-8b1e-secret"
        try {
          // From the environment: terraform itself quotes the configuration line a diagnostic points at.
          const cases = [
            { env: { MONGODB_ATLAS_BASE_URL: echo.url }, shows: "<redacted>" },
            { env: { MONGODB_ATLAS_BASE_URL: echo.url.replace("http://", `http://user:${password}@`) }, shows: "***@" },
          ]
          for (const { env, shows } of cases) {
            const block = `  access_token = "${Secrets.accessToken}"`
            const dir = workdir(root, mainTf(block, { restore_job_id: EmulatorSeed.jobs.completed }))
            const log = join(dir, "terraform.log")
            const tfEnv = { ...baseEnv(cliFile, dir), ...env, TF_LOG: "trace", TF_LOG_PATH: log }
            const plan = await runTerraform(dir, ["plan", "-no-color"], tfEnv)
            expect(plan.code, plan.stderr).toBe(1)
            const everything = [plan.stdout, plan.stderr, readFileSync(log, "utf8")].join("\n")
            expect(plan.stderr).toContain(shows)
            for (const secret of [...leaked(everything), password]) expect(everything).not.toContain(secret)
          }
          // The echo was reached once (the base URL with a password sends nothing).
          expect(echo.requests).toHaveLength(1)
        } finally {
          await echo.stop()
        }
      }, 120_000)
    },
  )
})
