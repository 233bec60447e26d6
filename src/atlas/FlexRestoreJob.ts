/**
 * The model of a flex-cluster restore job as the Atlas Admin API v2 returns it
 * (`FlexBackupRestoreJob20241113`), and the reference that selects one.
 *
 * Decoding is lenient where real Atlas deviates from its spec: every field is
 * optional, unknown fields are ignored, and enum values outside the documented
 * ones are kept as plain strings rather than failing a valid response.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

export { checkRef, PatternRules, Patterns } from "./FlexRestoreJobRef.js"
export type { FlexRestoreJobRef } from "./FlexRestoreJobRef.js"

/**
 * The documented status values. Atlas may add more; decoding keeps any string.
 *
 * @since 0.1.0
 * @category models
 */
export const FlexRestoreJobStatuses = ["PENDING", "QUEUED", "RUNNING", "FAILED", "COMPLETED"] as const

/**
 * @since 0.1.0
 * @category models
 */
export type FlexRestoreJobStatus = (typeof FlexRestoreJobStatuses)[number]

/**
 * The documented delivery types. Atlas may add more; decoding keeps any string.
 *
 * @since 0.1.0
 * @category models
 */
export const DeliveryTypes = ["RESTORE", "DOWNLOAD"] as const

/**
 * @since 0.1.0
 * @category models
 */
export type DeliveryType = (typeof DeliveryTypes)[number]

/**
 * Whether a status is final: polling stops there.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTerminalStatus = (status: string | undefined): boolean => status === "COMPLETED" || status === "FAILED"

/**
 * One entry of `links`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Link = Schema.Struct({
  href: Schema.optionalKey(Schema.String),
  rel: Schema.optionalKey(Schema.String),
})

/**
 * The 14 fields of `FlexBackupRestoreJob20241113`, each optional. `status` and
 * `deliveryType` are typed as their documented values but decoded as any string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FlexRestoreJob = Schema.Struct({
  deliveryType: Schema.optionalKey(Schema.String),
  expirationDate: Schema.optionalKey(Schema.String),
  id: Schema.optionalKey(Schema.String),
  instanceName: Schema.optionalKey(Schema.String),
  links: Schema.optionalKey(Schema.Array(Link)),
  projectId: Schema.optionalKey(Schema.String),
  restoreFinishedDate: Schema.optionalKey(Schema.String),
  restoreScheduledDate: Schema.optionalKey(Schema.String),
  snapshotFinishedDate: Schema.optionalKey(Schema.String),
  snapshotId: Schema.optionalKey(Schema.String),
  snapshotUrl: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Schema.String),
  targetDeploymentItemName: Schema.optionalKey(Schema.String),
  targetProjectId: Schema.optionalKey(Schema.String),
})

/**
 * A decoded restore job, with the API's field names: the schema's type,
 * written out (test/atlas/FlexRestoreJob.test.ts checks that the two are the
 * same type) so that its declaration needs no type from `effect`, which a
 * CommonJS project's default module resolution (`node10`) cannot read.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreJob {
  readonly deliveryType?: string
  readonly expirationDate?: string
  readonly id?: string
  readonly instanceName?: string
  readonly links?: ReadonlyArray<{ readonly href?: string; readonly rel?: string }>
  readonly projectId?: string
  readonly restoreFinishedDate?: string
  readonly restoreScheduledDate?: string
  readonly snapshotFinishedDate?: string
  readonly snapshotId?: string
  readonly snapshotUrl?: string
  readonly status?: string
  readonly targetDeploymentItemName?: string
  readonly targetProjectId?: string
}
