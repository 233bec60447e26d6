/**
 * Shared pieces of the hardening suite: the seeded reference, known secret
 * strings, a runner that calls the live service against an emulator and
 * reports the outcome, a scripted server, and the checks for
 * leaked sockets, timers and unhandled rejections.
 */
import { createHook } from "node:async_hooks"
import { createServer } from "node:http"
import type { IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { Cause, Effect, Exit, Layer } from "effect"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import type { AtlasError, WaitTimeout } from "../../src/atlas/AtlasError.js"
import type { FlexRestoreJob, FlexRestoreJobRef } from "../../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { EmulatorSeed } from "../../src/emulator/index.js"
import type { EmulatorCredentials, RunningEmulator } from "../../src/emulator/index.js"

export type Mode = "token" | "digest" | "service"

export const refOf = (job: keyof typeof EmulatorSeed.jobs = "completed"): FlexRestoreJobRef => ({
  groupId: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restoreJobId: EmulatorSeed.jobs[job],
})

/**
 * Secrets nobody would type by accident: a scan for them in any output is a
 * scan for a leak. The emulator is configured to accept them.
 */
export const Secrets = {
  privateKey: "PRIVKEY-7f3c9e1a-hardening-4b2d",
  clientSecret: "CLSECRET-5a8e2c7b-hardening-91f0",
  accessToken: "ACCTOKEN-c41d-hardening-8e6a2f93",
} as const

export const secretCredentials: Partial<EmulatorCredentials> = {
  privateKey: Secrets.privateKey,
  clientSecret: Secrets.clientSecret,
  accessToken: Secrets.accessToken,
}

/** Client auth options for one mode, from what the emulator accepts. */
export const authFor = (emulator: RunningEmulator, mode: Mode): NonNullable<AtlasClientOptions["auth"]> => {
  const c = emulator.credentials
  switch (mode) {
    case "token":
      return { accessToken: c.accessToken }
    case "digest":
      return { publicKey: c.publicKey, privateKey: c.privateKey }
    case "service":
      return { clientId: c.clientId, clientSecret: c.clientSecret }
  }
}

/** Small delays and caps so that every retrying case stays well under a second or two. */
export const fastClient = (
  emulator: RunningEmulator,
  mode: Mode,
  extra: AtlasClientOptions = {},
): AtlasClientOptions => ({
  baseUrl: emulator.url,
  auth: authFor(emulator, mode),
  env: {},
  timeout: 2000,
  ...extra,
  retry: { maxAttempts: 3, initialDelay: 5, maxDelay: 20, retryAfterCap: 150, ...extra.retry },
})

export interface Outcome<A> {
  readonly exit: Exit.Exit<A, AtlasError | WaitTimeout>
}

/**
 * Runs a program against the live service (node:http transport). The layer
 * is built and released inside, as a one-shot caller would. Nothing is
 * timed: bounds are request counts, and a hang fails by the test's timeout.
 */
export const runService = async <A>(
  options: AtlasClientOptions,
  program: (jobs: typeof FlexRestoreJobs.Service) => Effect.Effect<A, AtlasError | WaitTimeout>,
  layer: (options: AtlasClientOptions) => Layer.Layer<FlexRestoreJobs, AtlasError> = FlexRestoreJobsLive.layerNode,
): Promise<Outcome<A>> => ({
  exit: await Effect.runPromiseExit(FlexRestoreJobs.use(program).pipe(Effect.provide(layer(options)))),
})

export const getJob = (
  options: AtlasClientOptions,
  ref: FlexRestoreJobRef = refOf(),
): Promise<Outcome<FlexRestoreJob>> => runService(options, (jobs) => jobs.get(ref))

/**
 * The typed error of a failed exit, or a description of why there is none
 * (success, a defect, an interruption): a test expecting `_tag` X compares
 * against this and sees the defect in the diff.
 */
export const tagOf = (exit: Exit.Exit<unknown, { readonly _tag: string }>): string => {
  if (Exit.isSuccess(exit)) return "success"
  const reasons = exit.cause.reasons
  if (reasons.length === 1 && Cause.isFailReason(reasons[0]!)) return reasons[0].error._tag
  return `not a single typed failure: ${Cause.pretty(exit.cause)}`
}

export const errorOf = <E>(exit: Exit.Exit<unknown, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a success")
  const reason = exit.cause.reasons[0]
  if (reason === undefined || !Cause.isFailReason(reason))
    throw new Error(`expected a typed failure: ${Cause.pretty(exit.cause)}`)
  return reason.error
}

export const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/**
 * Polls `check` until it holds; returns whether it held. Without `millis` it
 * waits as long as it takes (a hang fails by the test's timeout, a busy
 * machine cannot fail it); with `millis` it gives up after that long, for a
 * grace period whose end is itself the answer (the leak check).
 */
export const eventually = async (check: () => boolean, millis?: number): Promise<boolean> => {
  const until = millis === undefined ? Infinity : performance.now() + millis
  while (!check()) {
    if (performance.now() > until) return false
    await sleep(5)
  }
  return true
}

const tracked = new Set(["Timeout", "TCPWRAP", "TCPSERVERWRAP"])

/**
 * Tracks the timers and sockets created from now on, by async id, until
 * `leaks()` lists those still alive (after a grace for sockets to close).
 * Unref'd timers are left out: they cannot keep a process alive. Tracking
 * by id rather than counting `process.getActiveResourcesInfo()` keeps the
 * test runner's own timers out of the picture.
 */
export const resourceSnapshot = () => {
  const live = new Map<number, { readonly type: string; readonly resource: object }>()
  const hook = createHook({
    init: (id, type, _trigger, resource) => {
      if (tracked.has(type)) live.set(id, { type, resource })
    },
    destroy: (id) => {
      live.delete(id)
    },
  }).enable()
  const alive = () =>
    [...live.values()]
      .filter(({ type, resource }) => {
        if (type !== "Timeout") return true
        // A timer that fired or was cleared has its destroy hook emitted later, in a batch.
        const timer = resource as { readonly _destroyed?: boolean; readonly hasRef?: () => boolean }
        return timer._destroyed !== true && timer.hasRef?.() !== false
      })
      .map(({ type }) => type)
  return {
    leaks: async (graceMillis = 1000): Promise<Array<string>> => {
      await eventually(() => alive().length === 0, graceMillis)
      hook.disable()
      return alive()
    },
  }
}

/** Collects unhandled rejections while installed. */
export const rejectionWatch = () => {
  const seen: Array<unknown> = []
  const onRejection = (reason: unknown) => seen.push(reason)
  return {
    seen,
    install: () => process.on("unhandledRejection", onRejection),
    uninstall: () => process.off("unhandledRejection", onRejection),
  }
}

/**
 * A fake `HttpClient` that answers every request from `respond` and counts
 * the requests it was given: a request that should never be sent shows up here.
 */
export const countingClient = (respond: (url: URL) => Response = () => new Response("{}", { status: 200 })) => {
  const urls: Array<string> = []
  const client = HttpClient.make((request, url) =>
    Effect.try({
      try: () => {
        urls.push(url.href)
        return HttpClientResponse.fromWeb(request, respond(url))
      },
      catch: (cause) =>
        new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) }),
    }),
  )
  return { urls, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

/** Runs `tasks` with at most `limit` at a time (child processes on a 2-core runner), results in order. */
export const pool = async <A>(limit: number, tasks: ReadonlyArray<() => Promise<A>>): Promise<Array<A>> => {
  const results: Array<A> = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

/** One answer of a `ScriptServer`. */
export interface ScriptAnswer {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
}

/** A request as a `ScriptServer` saw it. */
export interface ScriptRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  /** The request body as text ("" when there is none). */
  readonly body: string
}

/**
 * A loopback HTTP server that answers from a script and records every
 * request: for misbehaviours the emulator has no rule for (a digest server
 * whose nonces are always stale, a body that echoes a secret). `index`
 * counts requests from 0.
 */
export const startScriptServer = async (
  answer: (request: ScriptRequest, index: number) => ScriptAnswer,
): Promise<{ readonly url: string; readonly requests: Array<ScriptRequest>; readonly stop: () => Promise<void> }> => {
  const requests: Array<ScriptRequest> = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const seen: ScriptRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString("utf8"),
      }
      const a = answer(seen, requests.length)
      requests.push(seen)
      const body = a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body)
      res.writeHead(a.status, { "content-type": "application/json", ...a.headers })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let nonces = 0

/** A 401 with a Digest challenge shaped like Atlas's, with a nonce never issued before. */
export const digestChallenge = (stale: boolean): ScriptAnswer => ({
  status: 401,
  headers: {
    "www-authenticate": `Digest realm="MMS Public API", domain="", nonce="script-${++nonces}+/==", algorithm=MD5, qop="auth", stale=${stale}`,
  },
  body: { error: 401, errorCode: "USER_UNAUTHORIZED", reason: "Unauthorized", detail: "You are not authorized." },
})
