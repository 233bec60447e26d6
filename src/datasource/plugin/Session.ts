/**
 * The Effect side of the plugin: one runtime per provider configuration,
 * serving the data source's `read`. Loaded on the first ConfigureProvider or
 * ReadDataSource only, so the plugin starts that answer just the schema or
 * validation (two of the three per plan) never load Effect.
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
import { checkBaseUrl } from "../../atlas/AtlasConfig.js"
import type { AtlasClientOptions } from "../../atlas/AtlasConfig.js"
import type { AtlasError, InvalidRequest } from "../../atlas/AtlasError.js"
import type { FlexRestoreJobs } from "../../atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../atlas/layer.js"
import type { FlexRestoreJobConfig, FlexRestoreJobState } from "../model.js"
import { read } from "../read.js"
import { secretsOf, toClientOptions } from "./ProviderConfig.js"
import type { ProviderSettings } from "./ProviderConfig.js"
import { atlasTrust } from "./Trust.js"

/**
 * How a read ended.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadOutcome =
  | { readonly _tag: "Success"; readonly state: FlexRestoreJobState }
  | { readonly _tag: "Failure"; readonly error: AtlasError }
  | { readonly _tag: "Interrupted" }
  | { readonly _tag: "Defect"; readonly message: string }

/**
 * The service for one configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reader {
  /** The secrets of this configuration and environment, to mask in any output. */
  readonly secrets: ReadonlyArray<string>
  /** The problem of the configured `base_url`, if it is unusable. */
  readonly baseUrlProblem: InvalidRequest | undefined
  /** Builds the service now; the error if it cannot be (e.g. no credentials). */
  readonly ready: () => Promise<AtlasError | undefined>
  /** Reads one restore job; aborting `signal` interrupts the read's fiber. */
  readonly read: (config: FlexRestoreJobConfig, signal?: AbortSignal) => Promise<ReadOutcome>
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

const outcome = <A>(exit: Exit.Exit<A, AtlasError>, success: (a: A) => ReadOutcome): ReadOutcome => {
  if (Exit.isSuccess(exit)) return success(exit.value)
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isSome(error)) return { _tag: "Failure", error: error.value }
  if (Cause.hasInterrupts(exit.cause)) return { _tag: "Interrupted" }
  const defect = Cause.squash(exit.cause)
  return { _tag: "Defect", message: defect instanceof Error ? defect.message : String(defect) }
}

/**
 * A reader for the provider block's settings over `env`, through
 * `FlexRestoreJobsLive.layerNode` (node:http, a real connection cap), or the given factory.
 * The client trusts what the launcher says it must (`atlasTrust`); `warn`
 * hears about an unreadable extra certificates file.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeReader = (
  settings: ProviderSettings,
  env: Readonly<Record<string, string | undefined>>,
  factory?: LayerFactory,
  warn: (message: string) => void = () => {},
): Reader => {
  const ca = atlasTrust(env, warn)
  const options = { ...toClientOptions(settings, env), ...(ca === undefined ? {} : { ca }) }
  const runtime = ManagedRuntime.make(factory === undefined ? FlexRestoreJobsLive.layerNode(options) : factory(options))
  return {
    secrets: secretsOf(settings, env),
    baseUrlProblem: settings.base_url === undefined ? undefined : checkBaseUrl(settings.base_url, false).problem,
    ready: async () => {
      const result = outcome(await runtime.runPromiseExit(Effect.void), () => ({ _tag: "Interrupted" }))
      return result._tag === "Failure" ? result.error : undefined
    },
    read: async (config, signal) =>
      outcome(await runtime.runPromiseExit(read(config), signal === undefined ? {} : { signal }), (state) => ({
        _tag: "Success",
        state,
      })),
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
  const reader = makeReader({ base_url: `http://127.0.0.1:${port}`, access_token: "warm-up" }, {})
  try {
    await reader.ready()
    const outcome = await reader.read({ project_id: id, name: "warm", restore_job_id: id })
    if (outcome._tag !== "Success") throw new Error(`warm-up read failed: ${outcome._tag}`)
  } finally {
    await reader.dispose()
    server.closeAllConnections()
    server.close()
  }
}
