/**
 * `atlas-flex-restore/cdktf`: the `mongodbatlas_flex_restore_job` data source
 * for CDKTF stacks (a drop-in for `@cdktf/provider-mongodbatlas`'s, with input
 * checks), the provider construct of this package's plugin (local name
 * `atlasflex`, so it lives beside the official provider), and a synth-time
 * lookup. Importing this entry loads `cdktf` and `constructs` only; the HTTP
 * service is loaded by the first lookup.
 *
 * This file is also the template of the cdktn entry (`atlas-flex-restore/cdktn`).
 *
 * @since 0.1.0
 */
export { FlexRestoreJobConfigError } from "./check.js"
export type { ConfigProblem, ConfigProperty } from "./check.js"
export { DataMongodbatlasFlexRestoreJob } from "./DataMongodbatlasFlexRestoreJob.js"
export type { DataMongodbatlasFlexRestoreJobConfig } from "./DataMongodbatlasFlexRestoreJob.js"
export { MongodbatlasProvider } from "./MongodbatlasProvider.js"
export type { MongodbatlasProviderConfig } from "./MongodbatlasProvider.js"
export { createFlexRestoreLookup, lookupFlexRestoreJob } from "./lookup.js"
export type { FlexRestoreJobLookupInput, FlexRestoreJobValues, FlexRestoreLookup, LookupOptions } from "./lookup.js"
