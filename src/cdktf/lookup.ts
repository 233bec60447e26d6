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
 * Reads one restore job now and returns its attribute values.
 *
 * Rejects with the service's typed errors (`InvalidRequest`, `NotFound`,
 * `Unauthorized`, `RateLimited`, `AuthError`, ... from `atlas-flex-restore`),
 * each an `Error` with a `_tag`. Each call builds its own client; credentials
 * and base URL default to the official environment variables.
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
  const [Effect, { FlexRestoreJobsLive }, { read }] = await Promise.all([
    import("effect/Effect"),
    import("../atlas/layer.js"),
    import("../datasource/read.js"),
  ])
  const state = await Effect.runPromise(
    read({ project_id: input.projectId, name: input.name, restore_job_id: input.restoreJobId }).pipe(
      Effect.provide(FlexRestoreJobsLive.layerNode(options)),
    ),
  )
  return Object.fromEntries(
    Object.entries(state).map(([key, value]) => [camelCase(key), value]),
  ) as unknown as FlexRestoreJobValues
}
