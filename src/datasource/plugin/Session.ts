/**
 * The per-configuration session, the Effect side of the plugin: one runtime
 * per provider configuration, running the data sources' read programs. Loaded
 * on the first ConfigureProvider or ReadDataSource only (the lazy bundle), so
 * the plugin starts that answer just the schema or validation (two of the
 * three per plan) never load Effect.
 *
 * @since 0.1.0
 */
import { createServer } from "node:http"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { checkBaseUrl, ignoredTlsOverride, resolveConfig } from "../../atlas/AtlasConfig.js"
import type { AtlasClientOptions } from "../../atlas/AtlasConfig.js"
import type { AtlasError, InvalidRequest } from "../../atlas/AtlasError.js"
import type { FlexRestoreJobs } from "../../atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../atlas/layer.js"
import type { FlexRestoreJobState } from "../model.js"
import { read } from "../read.js"
import { secretsOf, toClientOptions } from "./ProviderConfig.js"
import type { ProviderSettings } from "./ProviderConfig.js"
import { atlasTrust } from "./Trust.js"

/**
 * The read programs a session runs, by name: each data source's `read`
 * (`src/datasource/read.ts`). A data source that reads through a new program
 * adds it here, so that it is in the lazy bundle and never in the start-up one.
 *
 * @since 0.1.0
 * @category programs
 */
export const programs = {
  flexRestoreJob: read,
} satisfies Record<string, (input: any) => Effect.Effect<unknown, AtlasError, FlexRestoreJobs>>

/**
 * @since 0.1.0
 * @category models
 */
export type Programs = typeof programs

/**
 * How a run ended.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadOutcome<A = FlexRestoreJobState> =
  | { readonly _tag: "Success"; readonly state: A }
  | { readonly _tag: "Failure"; readonly error: AtlasError }
  | { readonly _tag: "Interrupted" }
  | { readonly _tag: "Defect"; readonly message: string }

/**
 * The service for one configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  /** The secrets of this configuration and environment, to mask in any output. */
  readonly secrets: ReadonlyArray<string>
  /** What the configuration should be told but does not stop it (a setting ignored). */
  readonly warnings: ReadonlyArray<string>
  /**
   * Whether any credential is configured (block or environment). Without one
   * the configuration is still usable for what reads nothing (validate, a plan
   * without data sources, `terraform test` with `override_data`); the first
   * read fails with the missing-credentials error.
   */
  readonly hasCredentials: boolean
  /** The problem of the configured `base_url`, if it is unusable. */
  readonly baseUrlProblem: InvalidRequest | undefined
  /** Builds the service now; the error if it cannot be (e.g. no credentials). */
  readonly ready: () => Promise<AtlasError | undefined>
  /** Runs the program `name` on `input`; aborting `signal` interrupts its fiber. */
  readonly run: <K extends keyof Programs>(
    name: K,
    input: Parameters<Programs[K]>[0],
    signal?: AbortSignal,
  ) => Promise<ReadOutcome<Effect.Success<ReturnType<Programs[K]>>>>
  /** Releases the service (a service account's token is revoked). */
  readonly dispose: () => Promise<void>
}

/**
 * Makes the layer of a configuration; tests pass a fake.
 *
 * @since 0.1.0
 * @category models
 */
export type LayerFactory = (options: AtlasClientOptions) => Layer.Layer<FlexRestoreJobs, AtlasError>

const outcome = <A, B>(exit: Exit.Exit<A, AtlasError>, success: (a: A) => ReadOutcome<B>): ReadOutcome<B> => {
  if (Exit.isSuccess(exit)) return success(exit.value)
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isSome(error)) return { _tag: "Failure", error: error.value }
  if (Cause.hasInterrupts(exit.cause)) return { _tag: "Interrupted" }
  const defect = Cause.squash(exit.cause)
  return { _tag: "Defect", message: defect instanceof Error ? defect.message : String(defect) }
}

/**
 * A session for the provider block's settings over `env`, through
 * `FlexRestoreJobsLive.layerNode` (node:http, a real connection cap), or the given factory.
 * The client trusts what the launcher says it must (`atlasTrust`); `warn`
 * hears about an unreadable extra certificates file.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSession = (
  settings: ProviderSettings,
  env: Readonly<Record<string, string | undefined>>,
  factory?: LayerFactory,
  warn: (message: string) => void = () => {},
): Session => {
  const ca = atlasTrust(env, warn)
  const options = { ...toClientOptions(settings, env), ...(ca === undefined ? {} : { ca }) }
  const runtime = ManagedRuntime.make(factory === undefined ? FlexRestoreJobsLive.layerNode(options) : factory(options))
  return {
    secrets: secretsOf(settings, env),
    warnings: [ignoredTlsOverride(env)].filter((w): w is string => w !== undefined),
    hasCredentials: Result.isSuccess(resolveConfig(options)),
    baseUrlProblem: settings.base_url === undefined ? undefined : checkBaseUrl(settings.base_url, false).problem,
    ready: async () => {
      const result = outcome(await runtime.runPromiseExit(Effect.void), () => ({ _tag: "Interrupted" }))
      return result._tag === "Failure" ? result.error : undefined
    },
    run: async (name, input, signal) =>
      outcome(
        await runtime.runPromiseExit(
          (programs[name] as (input: unknown) => Effect.Effect<any, AtlasError, FlexRestoreJobs>)(input),
          signal === undefined ? {} : { signal },
        ),
        (state) => ({ _tag: "Success", state }),
      ),
    dispose: () => runtime.dispose(),
  }
}

/**
 * Runs one read through the whole path (Effect runtime, HTTP client, node:http,
 * decoding, mapping) against a throwaway server on 127.0.0.1, so that the
 * code cache written after it holds those functions compiled. (No dynamic
 * `import()` in the bundles: a script compiled from a code cache loses its
 * dynamic-import callback in Node 20.)
 *
 * @since 0.1.0
 * @category main
 */
export const warmUp = async (): Promise<void> => {
  const id = "0123456789abcdef01234567"
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/vnd.atlas.2024-11-13+json;charset=utf-8" })
    response.end(JSON.stringify({ id, instanceName: "warm", status: "COMPLETED", deliveryType: "RESTORE" }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as { port: number }).port
  const session = makeSession({ base_url: `http://127.0.0.1:${port}`, access_token: "warm-up" }, {})
  try {
    await session.ready()
    const outcome = await session.run("flexRestoreJob", { project_id: id, name: "warm", restore_job_id: id })
    if (outcome._tag !== "Success") throw new Error(`warm-up read failed: ${outcome._tag}`)
  } finally {
    await session.dispose()
    server.closeAllConnections()
    server.close()
  }
}
