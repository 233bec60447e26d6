/**
 * The pure mapping from a decoded API job to the data source's attribute
 * values: the twin of the Go provider's `model.go`. Every path that yields
 * attribute values (the plugin's read, the synth-time lookup) goes through it.
 *
 * @since 0.1.0
 */
import type { FlexRestoreJob, FlexRestoreJobRef } from "../atlas/FlexRestoreJob.js"

/**
 * The inputs of the data source, with Terraform's names.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreJobConfig {
  readonly project_id: string
  readonly name: string
  readonly restore_job_id: string
}

/**
 * Every attribute of the data source; absent values are `null`.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreJobState extends FlexRestoreJobConfig {
  readonly delivery_type: string | null
  readonly expiration_date: string | null
  readonly restore_finished_date: string | null
  readonly restore_scheduled_date: string | null
  readonly snapshot_finished_date: string | null
  readonly snapshot_id: string | null
  readonly snapshot_url: string | null
  readonly status: string | null
  readonly target_deployment_item_name: string | null
  readonly target_project_id: string | null
}

/**
 * The service field each input attribute feeds.
 *
 * @since 0.1.0
 * @category mapping
 */
export const refFieldOf = {
  project_id: "groupId",
  name: "name",
  restore_job_id: "restoreJobId",
} as const satisfies Record<keyof FlexRestoreJobConfig, keyof FlexRestoreJobRef>

/**
 * The input attribute of each service field (none for other fields, such as
 * `baseUrl`): where a diagnostic points.
 *
 * @since 0.1.0
 * @category mapping
 */
export const attributeOf = Object.fromEntries(
  Object.entries(refFieldOf).map(([attribute, field]) => [field, attribute]),
) as Readonly<Partial<Record<string, keyof FlexRestoreJobConfig>>>

/**
 * The service reference a configuration selects.
 *
 * @since 0.1.0
 * @category mapping
 */
export const toRef = (config: FlexRestoreJobConfig): FlexRestoreJobRef => ({
  [refFieldOf.project_id]: config.project_id,
  [refFieldOf.name]: config.name,
  [refFieldOf.restore_job_id]: config.restore_job_id,
})

/**
 * The attribute values for a job. The inputs are returned exactly as
 * configured (Terraform demands it), whatever the API echoes.
 *
 * @since 0.1.0
 * @category mapping
 */
export const toState = (config: FlexRestoreJobConfig, job: FlexRestoreJob): FlexRestoreJobState => ({
  project_id: config.project_id,
  name: config.name,
  restore_job_id: config.restore_job_id,
  delivery_type: job.deliveryType ?? null,
  expiration_date: job.expirationDate ?? null,
  restore_finished_date: job.restoreFinishedDate ?? null,
  restore_scheduled_date: job.restoreScheduledDate ?? null,
  snapshot_finished_date: job.snapshotFinishedDate ?? null,
  snapshot_id: job.snapshotId ?? null,
  snapshot_url: job.snapshotUrl ?? null,
  status: job.status ?? null,
  target_deployment_item_name: job.targetDeploymentItemName ?? null,
  target_project_id: job.targetProjectId ?? null,
})
