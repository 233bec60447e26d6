import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { afterEach, describe, expect, it, vi } from "vitest"
import type { AtlasClientOptions } from "../../../src/atlas/AtlasConfig.js"
import { AuthError } from "../../../src/atlas/AtlasError.js"
import type { AtlasError } from "../../../src/atlas/AtlasError.js"
import type { FlexRestoreJob } from "../../../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobs } from "../../../src/atlas/FlexRestoreJobs.js"
import { toState } from "../../../src/datasource/model.js"
import { Summaries } from "../../../src/datasource/plugin/AtlasDiagnostics.js"
import { dataSources, makeAtlasProvider } from "../../../src/datasource/plugin/AtlasProvider.js"
import type { AtlasProviderOptions } from "../../../src/datasource/plugin/AtlasProvider.js"
import { flexRestoreJob } from "../../../src/datasource/plugin/FlexRestoreJobDataSource.js"
import * as SessionModule from "../../../src/datasource/plugin/Session.js"
import { LauncherEnv } from "../../../src/datasource/plugin/Trust.js"
import { PROVIDER_SOURCE, providerConfig } from "../../../src/datasource/schema.js"

const config = { project_id: "6650f1a2b3c4d5e6f7a8b9c0", name: "flex-demo", restore_job_id: "66a0000000000000000000c1" }
const job: FlexRestoreJob = { id: config.restore_job_id, instanceName: config.name, status: "COMPLETED" }

/** A fake service layer: the options of each build, the builds run, the releases. */
const fakeLayer = (build: Effect.Effect<void, AtlasError> = Effect.void) => {
  const counts = { builds: 0, released: 0 }
  const options: Array<AtlasClientOptions> = []
  const layer = (o: AtlasClientOptions) => {
    options.push(o)
    return Layer.effect(FlexRestoreJobs)(
      Effect.acquireRelease(
        Effect.sync(() => void counts.builds++).pipe(
          Effect.andThen(build),
          Effect.as({ get: () => Effect.succeed(job), wait: () => Effect.die("unused") }),
        ),
        () => Effect.sync(() => void counts.released++),
      ),
    )
  }
  return { layer, options, counts }
}

/** The provider with a log recorder. */
const provider = (options: AtlasProviderOptions) => {
  const logs: Array<ReadonlyArray<unknown>> = []
  const atlas = makeAtlasProvider({ ...options, log: (...entry) => void logs.push(entry) })
  return { atlas, logs }
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe("makeAtlasProvider", () => {
  it("is this provider: its source, its block, its data sources", () => {
    const atlas = makeAtlasProvider()
    expect(atlas.source).toBe(PROVIDER_SOURCE)
    expect(atlas.schema).toBe(providerConfig)
    expect(atlas.dataSources).toBe(dataSources)
    expect(dataSources).toEqual([flexRestoreJob])
  })

  it("loads the session module at configure only, and logs whether it came from the code cache", async () => {
    let loads = 0
    const loadSession = () => (loads++, SessionModule)
    const fake = fakeLayer()
    const cached = provider({ env: {}, layer: fake.layer, loadSession, sessionCached: () => true })
    expect(loads).toBe(0)
    await cached.atlas.configure({ access_token: "t0ken" })
    expect(loads).toBe(1)
    expect(cached.logs).toEqual([["debug", "loaded the reader", { code_cache: true }]])
    // Unknown: not from the cache. The default loader imports Session.js itself.
    const plain = provider({ env: {}, layer: fake.layer })
    const session = await plain.atlas.configure({ access_token: "t0ken" })
    expect(plain.logs).toEqual([["debug", "loaded the reader", { code_cache: false }]])
    expect(await session.run("flexRestoreJob", config)).toEqual({ _tag: "Success", state: toState(config, job) })
  })

  it("logs the trust warning of an unreadable extra certificates file", async () => {
    const missing = "/nonexistent/atlas-extra-ca.pem"
    const { atlas, logs } = provider({
      env: { [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: missing },
      layer: fakeLayer().layer,
    })
    await atlas.configure({ access_token: "t0ken" })
    expect(logs.slice(1)).toEqual([
      ["warn", `Ignoring extra certs from ${missing}: ENOENT: no such file or directory, open '${missing}'`],
    ])
  })

  it("reads credentials from process.env by default, and masks them", async () => {
    vi.stubEnv("MONGODB_ATLAS_ACCESS_TOKEN", "process-env-token")
    const fake = fakeLayer()
    const session = await makeAtlasProvider({ layer: fake.layer }).configure({})
    expect(fake.options[0]!.env!["MONGODB_ATLAS_ACCESS_TOKEN"]).toBe("process-env-token")
    expect(session.scrub("a process-env-token b")).toBe("a <redacted> b")
    // A given environment replaces process.env.
    const given = fakeLayer()
    const other = await makeAtlasProvider({ env: { HOME: "/h" }, layer: given.layer }).configure({})
    expect(given.options[0]!.env).toStrictEqual({ HOME: "/h" })
    expect(other.scrub("a process-env-token b")).toBe("a process-env-token b")
  })

  it("masks the block's secrets and the environment's", async () => {
    const { atlas } = provider({ env: { MONGODB_ATLAS_CLIENT_SECRET: "env-secret" }, layer: fakeLayer().layer })
    const session = await atlas.configure({ access_token: "block-token", public_key: "public-value" })
    expect(session.scrub("block-token env-secret public-value")).toBe("<redacted> <redacted> public-value")
  })

  it("check: the base_url problem on its attribute, without building the service while the block is incomplete", async () => {
    const refused = new AuthError({ reason: "token endpoint refused", status: 401 })
    const fake = fakeLayer(Effect.fail(refused))
    const { atlas } = provider({ env: {}, layer: fake.layer })
    const session = await atlas.configure({ base_url: "http://atlas.example", client_id: "id", client_secret: "cs" })
    const baseUrl = {
      severity: "ERROR",
      summary: Summaries.InvalidBaseUrl,
      detail:
        'The Atlas base URL "http://atlas.example" must be an https:// URL (plain http is allowed only to a loopback address).\n' +
        "Set base_url in the provider block, or MONGODB_ATLAS_BASE_URL.",
      attribute: { steps: [{ attribute_name: "base_url" }] },
    }
    expect(await session.check(false)).toEqual([baseUrl])
    expect(fake.counts.builds).toBe(0)
    expect(await session.check(true)).toEqual([
      baseUrl,
      {
        severity: "ERROR",
        summary: Summaries.AuthError,
        detail: "Authentication failed (HTTP 401): token endpoint refused",
      },
    ])
    expect(fake.counts.builds).toBe(1)
  })

  it("check: a warning that NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored, for exactly 0", async () => {
    const checked = async (value: string) => {
      const { atlas } = provider({ env: { NODE_TLS_REJECT_UNAUTHORIZED: value }, layer: fakeLayer().layer })
      return (await atlas.configure({ base_url: "https://atlas.example", access_token: "t0ken" })).check(true)
    }
    expect(await checked("0")).toEqual([
      {
        severity: "WARNING",
        summary: "Setting ignored",
        detail: expect.stringMatching(/^NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: .* set NODE_EXTRA_CA_CERTS/),
      },
    ])
    expect(await checked("1")).toEqual([])
    expect(await checked("")).toEqual([])
  })

  it("check: nothing for a good configuration; dispose releases the service", async () => {
    const fake = fakeLayer()
    const { atlas } = provider({ env: {}, layer: fake.layer })
    const session = await atlas.configure({ base_url: "https://atlas.example", access_token: "t0ken" })
    expect(await session.check(true)).toEqual([])
    expect(fake.counts).toEqual({ builds: 1, released: 0 })
    await session.dispose()
    expect(fake.counts).toEqual({ builds: 1, released: 1 })
  })

  it("configures without any credential (nothing built, no diagnostic); the first read fails naming the variables", async () => {
    const { atlas } = provider({ env: {} }) // the real layer: it cannot be built without credentials
    const session = await atlas.configure({})
    expect(await session.check(true)).toEqual([])
    const read = await flexRestoreJob.read(session, config, new AbortController().signal)
    expect(read).toEqual({
      _tag: "Diagnostics",
      diagnostics: [
        {
          severity: "ERROR",
          summary: Summaries.AuthError,
          detail: expect.stringContaining(
            "Authentication failed: no Atlas credentials configured: set MONGODB_ATLAS_ACCESS_TOKEN, " +
              "or MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET, " +
              "or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY",
          ),
        },
      ],
    })
    await session.dispose()
  })

  it("with credentials, still builds the service at configure and reports its failure there", async () => {
    const refused = new AuthError({ reason: "token endpoint refused", status: 401 })
    const fake = fakeLayer(Effect.fail(refused))
    const { atlas } = provider({ env: { MONGODB_ATLAS_ACCESS_TOKEN: "env-token" }, layer: fake.layer })
    const session = await atlas.configure({})
    expect(await session.check(true)).toEqual([
      {
        severity: "ERROR",
        summary: Summaries.AuthError,
        detail: "Authentication failed (HTTP 401): token endpoint refused",
      },
    ])
    expect(fake.counts.builds).toBe(1)
  })
})
