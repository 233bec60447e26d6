/**
 * `atlas-flex-restore/cdktf`: the `mongodbatlas_flex_restore_job` data source
 * for CDKTF stacks (a drop-in for `@cdktf/provider-mongodbatlas`'s, with input
 * checks), the provider construct of this package's plugin, and a synth-time
 * lookup. Importing this entry loads `cdktf` and `constructs` only; the HTTP
 * service is loaded by the first lookup.
 *
 * @since 0.1.0
 */
export { DataMongodbatlasFlexRestoreJob, FlexRestoreJobConfigError } from "./DataMongodbatlasFlexRestoreJob.js"
export type {
  ConfigProblem,
  ConfigProperty,
  DataMongodbatlasFlexRestoreJobConfig,
} from "./DataMongodbatlasFlexRestoreJob.js"
export { MongodbatlasProvider } from "./MongodbatlasProvider.js"
export type { MongodbatlasProviderConfig } from "./MongodbatlasProvider.js"
export { createFlexRestoreLookup, lookupFlexRestoreJob } from "./lookup.js"
export type { FlexRestoreJobLookupInput, FlexRestoreJobValues, FlexRestoreLookup, LookupOptions } from "./lookup.js"
