// GENERATED FILE, DO NOT EDIT. Written by `npm run generate` (scripts/generate.ts) from src/cdktf/index.ts
// for cdktn: edit that one.
/**
 * `atlas-flex-restore/cdktn`: the `mongodbatlas_flex_restore_job` data source
 * for cdktn stacks (a drop-in for `@cdktf/provider-mongodbatlas`'s, with input
 * checks), the provider construct of this package's plugin (local name
 * `atlasflex`, so it lives beside the official provider), and a synth-time
 * lookup. Importing this entry loads `cdktf` and `constructs` only; the HTTP
 * service is loaded by the first lookup.
 *
 * @since 0.1.0
 */
export { FlexRestoreJobConfigError } from "../check.js"
export type { ConfigProblem, ConfigProperty } from "../check.js"
export { DataMongodbatlasFlexRestoreJob } from "./DataMongodbatlasFlexRestoreJob.js"
export type { DataMongodbatlasFlexRestoreJobConfig } from "./DataMongodbatlasFlexRestoreJob.js"
export { MongodbatlasProvider } from "./MongodbatlasProvider.js"
export type { MongodbatlasProviderConfig } from "./MongodbatlasProvider.js"
export { createFlexRestoreLookup, lookupFlexRestoreJob } from "../lookup.js"
export type { FlexRestoreJobLookupInput, FlexRestoreJobValues, FlexRestoreLookup, LookupOptions } from "../lookup.js"
// The ephemeral resource (this library has ephemeral blocks; cdktf 0.21 has none).
export { EphemeralMongodbatlasFlexRestoreJob } from "../ephemeral/EphemeralMongodbatlasFlexRestoreJob.js"
export type { EphemeralMongodbatlasFlexRestoreJobConfig } from "../ephemeral/EphemeralMongodbatlasFlexRestoreJob.js"
