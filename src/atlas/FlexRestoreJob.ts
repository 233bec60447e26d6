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
import { Schema } from "effect"

/**
 * Path patterns from the official spec. `groupId` and `restoreJobId` are 24
 * lower-case hex digits; `name` is a cluster label.
 *
 * @since 0.1.0
 * @category patterns
 */
export const Patterns = {
  groupId: /^([a-f0-9]{24})$/,
  name: /^[a-zA-Z0-9][a-zA-Z0-9-]*$/,
  restoreJobId: /^([a-f0-9]{24})$/,
} as const

/**
 * The rule of each field in words, for error messages.
 *
 * @since 0.1.0
 * @category patterns
 */
export const PatternRules: Record<keyof typeof Patterns, string> = {
  groupId: "24 lower-case hexadecimal digits (^([a-f0-9]{24})$)",
  name: "a letter or digit, then letters, digits or hyphens (^[a-zA-Z0-9][a-zA-Z0-9-]*$)",
  restoreJobId: "24 lower-case hexadecimal digits (^([a-f0-9]{24})$)",
}

/**
 * What selects one restore job.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreJobRef {
  readonly groupId: string
  readonly name: string
  readonly restoreJobId: string
}

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
 * A decoded restore job, with the API's field names.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreJob extends Schema.Schema.Type<typeof FlexRestoreJob> {}

/**
 * Checks the literal values of a reference against the spec's patterns and
 * returns every problem (empty when all are valid). Values that are not yet
 * known (`undefined`, e.g. a CDKTF token or a Terraform unknown) are skipped by
 * the caller passing only what it knows.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkRef = (
  ref: Partial<Record<keyof FlexRestoreJobRef, unknown>>,
): Array<{ field: keyof FlexRestoreJobRef; value: string; rule: string }> => {
  const problems: Array<{ field: keyof FlexRestoreJobRef; value: string; rule: string }> = []
  for (const field of ["groupId", "name", "restoreJobId"] as const) {
    if (!(field in ref) || ref[field] === undefined) continue
    const value = ref[field]
    if (typeof value !== "string" || !Patterns[field].test(value)) {
      problems.push({ field, value: typeof value === "string" ? value : String(value), rule: PatternRules[field] })
    }
  }
  return problems
}
