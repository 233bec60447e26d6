import { createServer } from "node:http"
import type { IncomingHttpHeaders } from "node:http"
import { rootCertificates } from "node:tls"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { describe, expect, it } from "vitest"
import type { AtlasClientOptions } from "../../../src/atlas/AtlasConfig.js"
import { AuthError, InvalidRequest, NotFound } from "../../../src/atlas/AtlasError.js"
import type { AtlasError } from "../../../src/atlas/AtlasError.js"
import type { FlexRestoreJob, FlexRestoreJobRef } from "../../../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobs } from "../../../src/atlas/FlexRestoreJobs.js"
import { toState } from "../../../src/datasource/model.js"
import { makeSession, programs } from "../../../src/datasource/plugin/Session.js"
import { read } from "../../../src/datasource/read.js"
import { LauncherEnv } from "../../../src/datasource/plugin/Trust.js"

const config = { project_id: "6650f1a2b3c4d5e6f7a8b9c0", name: "flex-demo", restore_job_id: "66a0000000000000000000c1" }
const ref = { groupId: config.project_id, name: config.name, restoreJobId: config.restore_job_id }
const job: FlexRestoreJob = {
  id: config.restore_job_id,
  instanceName: config.name,
  deliveryType: "RESTORE",
  status: "COMPLETED",
  snapshotId: "66a0000000000000000005c1",
}

/**
 * A fake service layer, no network: records the options it was built with,
 * each build, release and read; `answer` decides each read.
 */
const fakeLayer = (
  answer: (ref: FlexRestoreJobRef) => Effect.Effect<FlexRestoreJob, AtlasError> = () => Effect.succeed(job),
  build: Effect.Effect<void, AtlasError> = Effect.void,
) => {
  const built: Array<AtlasClientOptions> = []
  const reads: Array<FlexRestoreJobRef> = []
  let released = 0
  const factory = (options: AtlasClientOptions) => {
    built.push(options)
    return Layer.effect(FlexRestoreJobs)(
      Effect.acquireRelease(
        Effect.as(build, {
          get: (ref: FlexRestoreJobRef) => Effect.suspend(() => (reads.push(ref), answer(ref))),
          wait: () => Effect.die("unused"),
        }),
        () => Effect.sync(() => void released++),
      ),
    )
  }
  return {
    factory,
    built,
    reads,
    get released() {
      return released
    },
  }
}

describe("makeSession", () => {
  it("serves each data source's read program by name", () => {
    expect(programs).toEqual({ flexRestoreJob: read })
  })

  it("builds the layer once, from the block's settings over the environment", async () => {
    const fake = fakeLayer()
    const env = { MONGODB_ATLAS_PUBLIC_API_KEY: "env-pub", MONGODB_ATLAS_PRIVATE_API_KEY: "env-private" }
    const session = makeSession({ base_url: "https://atlas.example", public_key: "pub" }, env, fake.factory)
    expect(fake.built).toStrictEqual([
      {
        env: { ...env, MONGODB_ATLAS_PUBLIC_API_KEY: "pub" },
        baseUrl: "https://atlas.example",
      },
    ])
    expect(await session.ready()).toBeUndefined()
    expect(await session.run("flexRestoreJob", config)).toEqual({ _tag: "Success", state: toState(config, job) })
    expect(fake.built.length).toBe(1)
    await session.dispose()
  })

  it("hands the client the launcher's trust: the bundled roots plus the extra file, warning about an unreadable one", async () => {
    const fake = fakeLayer()
    const warnings: Array<string> = []
    const missing = "/nonexistent/atlas-extra-ca.pem"
    makeSession({ access_token: "t0ken" }, { [LauncherEnv.bundledCa]: "1" }, fake.factory)
    makeSession(
      { access_token: "t0ken" },
      { [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: missing },
      fake.factory,
      (message) => warnings.push(message),
    )
    // Without the launcher's word, Node's default store: no `ca` at all.
    makeSession({ access_token: "t0ken" }, {}, fake.factory)
    expect(fake.built.map((o) => o.ca)).toEqual([rootCertificates, [...rootCertificates], undefined])
    expect("ca" in fake.built[2]!).toBe(false)
    expect(warnings).toEqual([
      `Ignoring extra certs from ${missing}: ENOENT: no such file or directory, open '${missing}'`,
    ])
    // The default `warn` is silent: no throw without one.
    expect(() =>
      makeSession({ access_token: "t0ken" }, { [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: missing }),
    ).not.toThrow()
  })

  it("knows the secrets of the block and the environment", () => {
    const session = makeSession(
      { access_token: "block-token", public_key: "pub" },
      { MONGODB_ATLAS_CLIENT_SECRET: "env-secret", MONGODB_ATLAS_CLIENT_ID: "id" },
      fakeLayer().factory,
    )
    expect(session.secrets).toEqual(["block-token", "env-secret", Buffer.from("id:env-secret").toString("base64")])
  })

  it("says what is wrong with the configured base_url, checked as Atlas would (plain http to loopback only)", () => {
    const problem = (base_url?: string) =>
      makeSession(base_url === undefined ? {} : { base_url }, {}, fakeLayer().factory).baseUrlProblem
    expect(problem()).toBeUndefined()
    expect(problem("https://cloud.mongodb.com")).toBeUndefined()
    expect(problem("http://127.0.0.1:8080")).toBeUndefined()
    expect(problem("http://atlas.example")).toEqual(
      new InvalidRequest({
        fields: [
          {
            field: "baseUrl",
            value: "http://atlas.example",
            rule: "an https:// URL (plain http is allowed only to a loopback address)",
          },
        ],
      }),
    )
    // The environment's base URL is the layer's to check, not the block's problem.
    expect(makeSession({}, { MONGODB_ATLAS_BASE_URL: "ftp://x" }, fakeLayer().factory).baseUrlProblem).toBeUndefined()
  })

  it("ready: undefined once built, the typed error when the layer cannot be built", async () => {
    const refused = new AuthError({ reason: "token endpoint refused", status: 401 })
    const fake = fakeLayer(undefined, Effect.fail(refused))
    const session = makeSession({ client_id: "id", client_secret: "client-secret" }, {}, fake.factory)
    expect(await session.ready()).toEqual(refused)
    // A run on it fails with the same error, the read never reached.
    expect(await session.run("flexRestoreJob", config)).toEqual({ _tag: "Failure", error: refused })
    expect(fake.reads).toEqual([])
    await session.dispose()
    // A layer that dies is a defect: not a configuration problem, the read reports it.
    const dying = makeSession({ access_token: "t0ken" }, {}, fakeLayer(undefined, Effect.die("bad build")).factory)
    expect(await dying.ready()).toBeUndefined()
    expect(await dying.run("flexRestoreJob", config)).toEqual({ _tag: "Defect", message: "bad build" })
  })

  it("ready on the real layer names the missing credentials", async () => {
    const session = makeSession({}, {})
    const error = await session.ready()
    expect(error?._tag).toBe("AuthError")
    expect(error?.message).toBe(
      "Authentication failed: no Atlas credentials configured: set MONGODB_ATLAS_ACCESS_TOKEN, " +
        "or MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET, " +
        "or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY",
    )
    await session.dispose()
  })

  it("run: the state, or the typed error, of each read", async () => {
    const notFound = new NotFound({ status: 404, errorCode: "RESTORE_JOB_NOT_FOUND" })
    const fake = fakeLayer((r) => (r.name === "missing" ? Effect.fail(notFound) : Effect.succeed(job)))
    const session = makeSession({ access_token: "t0ken" }, {}, fake.factory)
    expect(await session.run("flexRestoreJob", config)).toEqual({ _tag: "Success", state: toState(config, job) })
    expect(await session.run("flexRestoreJob", { ...config, name: "missing" })).toEqual({
      _tag: "Failure",
      error: notFound,
    })
    expect(fake.reads).toEqual([ref, { ...ref, name: "missing" }])
    await session.dispose()
  })

  it("run: a defect's message, an Error's or any other value's", async () => {
    const session = makeSession(
      { access_token: "t0ken" },
      {},
      fakeLayer((r) => (r.name === "thrown" ? Effect.die(new TypeError("bad job")) : Effect.die({ code: 7 }))).factory,
    )
    expect(await session.run("flexRestoreJob", { ...config, name: "thrown" })).toEqual({
      _tag: "Defect",
      message: "bad job",
    })
    expect(await session.run("flexRestoreJob", config)).toEqual({ _tag: "Defect", message: "[object Object]" })
    await session.dispose()
  })

  it("run: aborting the signal interrupts the read's fiber; another signal is left alone", async () => {
    let started!: () => void
    const running = new Promise<void>((resolve) => (started = resolve))
    let interrupted = 0
    const fake = fakeLayer((r) =>
      r.name === "slow"
        ? Effect.sync(started).pipe(
            Effect.andThen(Effect.never),
            Effect.onInterrupt(() => Effect.sync(() => void interrupted++)),
          )
        : Effect.succeed(job),
    )
    const session = makeSession({ access_token: "t0ken" }, {}, fake.factory)
    const controller = new AbortController()
    const slow = session.run("flexRestoreJob", { ...config, name: "slow" }, controller.signal)
    await running
    expect(await session.run("flexRestoreJob", config, new AbortController().signal)).toEqual({
      _tag: "Success",
      state: toState(config, job),
    })
    expect(interrupted).toBe(0)
    controller.abort()
    expect(await slow).toEqual({ _tag: "Interrupted" })
    expect(interrupted).toBe(1)
    // Already aborted: interrupted before or during the read, never left running.
    expect(await session.run("flexRestoreJob", { ...config, name: "slow" }, AbortSignal.abort())).toEqual({
      _tag: "Interrupted",
    })
    expect(interrupted).toBe(fake.reads.filter((r) => r.name === "slow").length)
    await session.dispose()
  })

  it("dispose releases the layer once", async () => {
    const fake = fakeLayer()
    const session = makeSession({ access_token: "t0ken" }, {}, fake.factory)
    expect(await session.ready()).toBeUndefined()
    expect(fake.released).toBe(0)
    await session.dispose()
    expect(fake.released).toBe(1)
  })
})

describe("makeSession without a factory", () => {
  it("reads through the real layer and node:http, from a server on 127.0.0.1", async () => {
    const requests: Array<{ url: string | undefined; headers: IncomingHttpHeaders }> = []
    const server = createServer((request, response) => {
      requests.push({ url: request.url, headers: request.headers })
      response.writeHead(200, { "content-type": "application/vnd.atlas.2024-11-13+json;charset=utf-8" })
      response.end(JSON.stringify(job))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const port = (server.address() as { port: number }).port
      const session = makeSession({ base_url: `http://127.0.0.1:${port}`, access_token: "real-t0ken" }, {})
      expect(session.baseUrlProblem).toBeUndefined()
      expect(await session.ready()).toBeUndefined()
      expect(await session.run("flexRestoreJob", config)).toEqual({ _tag: "Success", state: toState(config, job) })
      await session.dispose()
      expect(requests.map((r) => [r.url, r.headers.authorization])).toEqual([
        [
          `/api/atlas/v2/groups/${config.project_id}/flexClusters/${config.name}/backup/restoreJobs/${config.restore_job_id}`,
          "Bearer real-t0ken",
        ],
      ])
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
