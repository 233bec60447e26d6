/**
 * Synth-time lookup: read a restore job while the CDKTF program runs, for
 * stacks that must branch on its status or fail early when it is missing.
 * The values come from the same service call and the same mapping (`toState`)
 * as the Terraform data source's, so the two cannot disagree.
 *
 * The service, effect and its HTTP modules are imported on the first lookup,
 * not when the construct entry is imported: a stack that never looks up pays
 * nothing for them.
 *
 * @since 0.1.0
 */
import type { Exit as ExitOf } from "effect/Exit"
import type { AtlasClientOptions } from "../atlas/AtlasConfig.js"
import type { FlexRestoreJobState } from "../datasource/model.js"

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S

/**
 * What selects a job, named as in the construct's config.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreJobLookupInput {
  readonly projectId: string
  readonly name: string
  readonly restoreJobId: string
}

/**
 * Every attribute of the data source, with the construct's camelCase names
 * (`restore_finished_date` → `restoreFinishedDate`), so `job.status` reads the
 * same on a lookup result as on the construct. Values Atlas did not send are
 * `null`; dates are the API's ISO 8601 strings.
 *
 * @since 0.1.0
 * @category models
 */
export type FlexRestoreJobValues = {
  readonly [K in keyof FlexRestoreJobState as CamelCase<K>]: FlexRestoreJobState[K]
}

/**
 * How to reach Atlas: the service's options.
 *
 * @since 0.1.0
 * @category models
 */
export interface LookupOptions extends AtlasClientOptions {}

const camelCase = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/**
 * A client for many lookups: one connection pool, one digest challenge, one
 * service-account token (revoked by `close`) for all of them. Atlas issues a
 * client about 100 tokens an hour, so a stack that looks up many jobs with a
 * service account should share one.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreLookup {
  /** Reads one restore job now; rejects as `lookupFlexRestoreJob` does. */
  readonly lookup: (input: FlexRestoreJobLookupInput) => Promise<FlexRestoreJobValues>
  /** Releases the client: closes its connections and revokes a service account's token. */
  readonly close: () => Promise<void>
}

/**
 * Creates a client for many lookups. Rejects with `AuthError` when no
 * credentials are configured.
 *
 * @example
 * const atlas = await createFlexRestoreLookup()
 * try {
 *   for (const restoreJobId of ids) console.log((await atlas.lookup({ projectId, name, restoreJobId })).status)
 * } finally {
 *   await atlas.close()
 * }
 *
 * @since 0.1.0
 * @category lookup
 */
export const createFlexRestoreLookup = async (options?: LookupOptions): Promise<FlexRestoreLookup> => {
  const [Cause, Effect, Exit, ManagedRuntime, { FlexRestoreJobsLive }, { read }] = await Promise.all([
    import("effect/Cause"),
    import("effect/Effect"),
    import("effect/Exit"),
    import("effect/ManagedRuntime"),
    import("../atlas/layer.js"),
    import("../datasource/read.js"),
  ])
  const runtime = ManagedRuntime.make(FlexRestoreJobsLive.layerNode(options))
  const orThrow = <A>(exit: ExitOf<A, unknown>): A => {
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  }
  const built = await runtime.runPromiseExit(Effect.void)
  if (Exit.isFailure(built)) {
    await runtime.dispose()
    orThrow(built)
  }
  return {
    lookup: async (input) => {
      const config = { project_id: input.projectId, name: input.name, restore_job_id: input.restoreJobId }
      const state = orThrow(await runtime.runPromiseExit(read(config)))
      return Object.fromEntries(
        Object.entries(state).map(([key, value]) => [camelCase(key), value]),
      ) as unknown as FlexRestoreJobValues
    },
    close: () => runtime.dispose(),
  }
}

/**
 * Reads one restore job now and returns its attribute values.
 *
 * Rejects with the service's typed errors (`InvalidRequest`, `NotFound`,
 * `Unauthorized`, `RateLimited`, `AuthError`, ... from `atlas-flex-restore`),
 * each an `Error` with a `_tag`. Each call builds its own client (for many
 * lookups, share one: `createFlexRestoreLookup`); credentials and base URL
 * default to the official environment variables.
 *
 * @example
 * const job = await lookupFlexRestoreJob({ projectId, name: "flex-demo", restoreJobId })
 * if (job.status !== "COMPLETED") throw new Error(`restore ${job.restoreJobId} is ${job.status}`)
 *
 * @since 0.1.0
 * @category lookup
 */
export const lookupFlexRestoreJob = async (
  input: FlexRestoreJobLookupInput,
  options?: LookupOptions,
): Promise<FlexRestoreJobValues> => {
  const client = await createFlexRestoreLookup(options)
  try {
    return await client.lookup(input)
  } finally {
    await client.close()
  }
}
