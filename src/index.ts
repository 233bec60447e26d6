/**
 * atlas-flex-restore: read a MongoDB Atlas flex-cluster restore job, or wait
 * for one to finish, from Effect or from plain Promises.
 *
 * The Promise functions resolve to the decoded job (API field names) and
 * reject with the same tagged error instances the Effect service fails with
 * (`error._tag` is `"NotFound"`, `"RateLimited"`, ...).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type { Duration } from "effect"
import type { AtlasClientOptions } from "./atlas/AtlasConfig.js"
import type { AtlasError, AuthError, WaitTimeout } from "./atlas/AtlasError.js"
import type { FlexRestoreJob, FlexRestoreJobRef } from "./atlas/FlexRestoreJob.js"
import { FlexRestoreJobs } from "./atlas/FlexRestoreJobs.js"
import type { GetOptions, WaitOptions } from "./atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "./atlas/layer.js"

export * from "./atlas/AtlasError.js"
export * from "./atlas/FlexRestoreJob.js"
export { FlexRestoreJobs } from "./atlas/FlexRestoreJobs.js"
export type { FlexRestoreJobsShape, GetOptions, WaitOptions } from "./atlas/FlexRestoreJobs.js"
export { FlexRestoreJobsLive, FetchClient, AtlasMediaType, WaitDefaults } from "./atlas/layer.js"
export { AtlasAuth } from "./atlas/AtlasAuth.js"
export { AtlasTransport } from "./atlas/AtlasTransport.js"
export { Defaults, EnvVars, resolveConfig } from "./atlas/AtlasConfig.js"
export type {
  AccessTokenAuth,
  ApiKeyAuth,
  AtlasClientOptions,
  AtlasConfig,
  AuthOptions,
  RetryOptions,
  Secret,
  ServiceAccountAuth,
} from "./atlas/AtlasConfig.js"
export { parseDigestChallenge } from "./atlas/DigestChallenge.js"
export * as NodeHttpClient from "./atlas/NodeHttpClient.js"
export type { DigestChallenge } from "./atlas/DigestChallenge.js"

/**
 * Options of `getFlexRestoreJob`: where and how to connect, and the request flags.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetFlexRestoreJobOptions extends AtlasClientOptions, GetOptions {}

/**
 * Options of `waitForFlexRestoreJob`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitForFlexRestoreJobOptions extends AtlasClientOptions, GetOptions {
  /** Time between polls. @default 5 seconds */
  readonly interval?: Duration.Input
  /**
   * Overall time limit; past it the promise rejects with `WaitTimeout`
   * (`timeout` is the limit of each HTTP attempt, as everywhere). @default 30 minutes
   */
  readonly waitTimeout?: Duration.Input
  /** Called with each job whose status differs from the previous poll's. */
  readonly onStatusChange?: (job: FlexRestoreJob, elapsedMillis: number) => void
}

/**
 * Options of `FlexRestoreClient.wait`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientWaitOptions extends Omit<WaitOptions, "onStatusChange"> {
  /** Called with each job whose status differs from the previous poll's. */
  readonly onStatusChange?: (job: FlexRestoreJob, elapsedMillis: number) => void
}

/**
 * A client that keeps its connection state (digest nonce, service-account
 * token) between calls. `close()` releases it and revokes a service-account token.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreClient {
  readonly get: (ref: FlexRestoreJobRef, options?: GetOptions) => Promise<FlexRestoreJob>
  readonly wait: (ref: FlexRestoreJobRef, options?: ClientWaitOptions) => Promise<FlexRestoreJob>
  readonly close: () => Promise<void>
}

const rethrow = <A>(exit: Exit.Exit<A, AtlasError | WaitTimeout>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  // The tagged error itself, not a wrapper, so `_tag` and `instanceof` work.
  throw Cause.squash(exit.cause)
}

const requestOptions = (options: GetOptions | undefined): GetOptions => ({
  ...(options?.envelope !== undefined ? { envelope: options.envelope } : {}),
  ...(options?.pretty !== undefined ? { pretty: options.pretty } : {}),
})

const waitOptions = (options: ClientWaitOptions | undefined): WaitOptions => {
  const onStatusChange = options?.onStatusChange
  return {
    ...requestOptions(options),
    ...(options?.interval !== undefined ? { interval: options.interval } : {}),
    ...(options?.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(onStatusChange !== undefined
      ? { onStatusChange: (job: FlexRestoreJob, ms: number) => Effect.sync(() => onStatusChange(job, ms)) }
      : {}),
  }
}

/**
 * Creates a reusable client over `node:http` (see `FlexRestoreJobsLive.layerNode`). Rejects with `AuthError` when no
 * credentials are configured.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createFlexRestoreClient = async (options?: AtlasClientOptions): Promise<FlexRestoreClient> => {
  const runtime = ManagedRuntime.make(FlexRestoreJobsLive.layerNode(options))
  const built = await runtime.runPromiseExit(
    Effect.gen(function* () {
      return yield* FlexRestoreJobs
    }),
  )
  if (Exit.isFailure(built)) {
    await runtime.dispose()
    throw Cause.squash(built.cause) as AuthError
  }
  const service = built.value
  return {
    get: async (ref, getOptions) => rethrow(await runtime.runPromiseExit(service.get(ref, requestOptions(getOptions)))),
    wait: async (ref, w) => rethrow(await runtime.runPromiseExit(service.wait(ref, waitOptions(w)))),
    close: () => runtime.dispose(),
  }
}

/**
 * Reads one restore job. Each call sets up its own connection state (a
 * digest challenge, or a service-account token that is revoked afterwards);
 * for repeated calls use `createFlexRestoreClient`.
 *
 * @since 0.1.0
 * @category promises
 */
export const getFlexRestoreJob = async (
  ref: FlexRestoreJobRef,
  options?: GetFlexRestoreJobOptions,
): Promise<FlexRestoreJob> =>
  rethrow(
    await Effect.runPromiseExit(
      FlexRestoreJobs.use((jobs) => jobs.get(ref, requestOptions(options))).pipe(
        Effect.provide(FlexRestoreJobsLive.layerNode(options)),
      ),
    ),
  )

/**
 * Polls a restore job until it is COMPLETED or FAILED and returns it (a FAILED
 * job is returned, not thrown: the caller decides). Rejects with `WaitTimeout`
 * past `timeout`.
 *
 * @since 0.1.0
 * @category promises
 */
export const waitForFlexRestoreJob = async (
  ref: FlexRestoreJobRef,
  options?: WaitForFlexRestoreJobOptions,
): Promise<FlexRestoreJob> =>
  rethrow(
    await Effect.runPromiseExit(
      FlexRestoreJobs.use((jobs) =>
        jobs.wait(ref, {
          ...waitOptions({
            ...requestOptions(options),
            ...(options?.interval !== undefined ? { interval: options.interval } : {}),
            ...(options?.onStatusChange !== undefined ? { onStatusChange: options.onStatusChange } : {}),
          }),
          ...(options?.waitTimeout !== undefined ? { timeout: options.waitTimeout } : {}),
        }),
      ).pipe(Effect.provide(FlexRestoreJobsLive.layerNode(options))),
    ),
  )
