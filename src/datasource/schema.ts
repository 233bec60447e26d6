/**
 * The data source `mongodbatlas_flex_restore_job` and the provider's own
 * configuration, as Terraform sees them: written once here. The plugin serves
 * these blocks, the generator turns them into the CDKTF binding, and the CLI
 * prints them. Names, types and requiredness match the official
 * `mongodb/mongodbatlas` provider so configurations move between the two.
 *
 * @since 0.1.0
 */

import type { Attribute, Block } from "../provider/tfplugin6/Schema.js"

/**
 * An attribute and a block, in the shape `terraform providers schema -json`
 * prints: the protocol's (`src/provider/tfplugin6/Schema.ts`).
 *
 * @since 0.1.0
 * @category models
 */
export type { Attribute, Block }

const required = (description: string): Attribute => ({
  type: "string",
  description,
  description_kind: "plain",
  required: true,
})
const computed = (description: string, sensitive = false): Attribute => ({
  type: "string",
  description,
  description_kind: "plain",
  computed: true,
  ...(sensitive ? { sensitive: true as const } : {}),
})
const optional = (description: string, sensitive = false): Attribute => ({
  type: "string",
  description,
  description_kind: "plain",
  optional: true,
  ...(sensitive ? { sensitive: true as const } : {}),
})

const iso = " This parameter expresses its value in the ISO 8601 timestamp format in UTC."

/**
 * The data source's type name.
 *
 * @since 0.1.0
 * @category names
 */
export const DATA_SOURCE_TYPE = "mongodbatlas_flex_restore_job"

/**
 * The ephemeral resource's type name: the data source's, with the same
 * arguments and attributes.
 *
 * @since 0.1.0
 * @category names
 */
export const EPHEMERAL_RESOURCE_TYPE = DATA_SOURCE_TYPE

/**
 * The provider's source address, as a `required_providers` block names it.
 *
 * @since 0.1.0
 * @category names
 */
export const PROVIDER_SOURCE = "registry.terraform.io/atlas-flex/mongodbatlas"

/**
 * The provider's default local name in `required_providers` (and so the name of
 * its `provider` block): not `mongodbatlas`, which the official provider takes,
 * so the two can live in one configuration. Terraform allows any local name;
 * the data source then names its provider with `provider = atlasflex`.
 *
 * @since 0.1.0
 * @category names
 */
export const PROVIDER_LOCAL_NAME = "atlasflex"

/**
 * The attributes of `mongodbatlas_flex_restore_job`, in Terraform's order (sorted).
 *
 * @since 0.1.0
 * @category schemas
 */
export const flexRestoreJobDataSource: Block = {
  version: 0,
  block: {
    attributes: {
      delivery_type: computed(
        "Means by which this resource returns the snapshot to the requesting MongoDB Cloud user.",
      ),
      expiration_date: computed("Date and time when the download link no longer works." + iso),
      name: required("Human-readable label that identifies the flex cluster."),
      project_id: required(
        "Unique 24-hexadecimal digit string that identifies the project from which the restore job originated.",
      ),
      restore_finished_date: computed("Date and time when MongoDB Cloud completed writing this snapshot." + iso),
      restore_job_id: required("Unique 24-hexadecimal digit string that identifies the restore job."),
      restore_scheduled_date: computed("Date and time when MongoDB Cloud will restore this snapshot." + iso),
      snapshot_finished_date: computed("Date and time when MongoDB Cloud completed writing this snapshot." + iso),
      snapshot_id: computed("Unique 24-hexadecimal digit string that identifies the snapshot to restore."),
      // Sensitive: whoever holds the link can download the cluster's data until expiration_date.
      snapshot_url: computed(
        'Internet address from which you can download the compressed snapshot files. The resource returns this parameter when "deliveryType" : "DOWNLOAD".',
        true,
      ),
      status: computed("Phase of the restore workflow for this job at the time this resource made this request."),
      target_deployment_item_name: computed(
        "Human-readable label that identifies the instance or cluster on the target project to which you want to restore the snapshot. You can restore the snapshot to another flex or dedicated cluster tier.",
      ),
      target_project_id: computed(
        "Unique 24-hexadecimal digit string that identifies the project that contains the instance or cluster to which you want to restore the snapshot.",
      ),
    },
    description: "Returns one restore job for one flex cluster from the specified project.",
    description_kind: "plain",
  },
}

/**
 * The provider block. Every attribute is optional and falls back to the
 * environment variables the official provider reads.
 *
 * @since 0.1.0
 * @category schemas
 */
export const providerConfig: Block = {
  version: 0,
  block: {
    attributes: {
      access_token: optional("Atlas access token (bearer). Default: MONGODB_ATLAS_ACCESS_TOKEN.", true),
      base_url: optional(
        "Atlas base URL. Default: MONGODB_ATLAS_BASE_URL, then MCLI_OPS_MANAGER_URL, then https://cloud.mongodb.com.",
      ),
      client_id: optional("Service account client ID. Default: MONGODB_ATLAS_CLIENT_ID."),
      client_secret: optional("Service account client secret. Default: MONGODB_ATLAS_CLIENT_SECRET.", true),
      private_key: optional(
        "Programmatic API private key. Default: MONGODB_ATLAS_PRIVATE_API_KEY, MONGODB_ATLAS_PRIVATE_KEY, then MCLI_PRIVATE_API_KEY.",
        true,
      ),
      public_key: optional(
        "Programmatic API public key. Default: MONGODB_ATLAS_PUBLIC_API_KEY, MONGODB_ATLAS_PUBLIC_KEY, then MCLI_PUBLIC_API_KEY.",
      ),
    },
    description: "Reads MongoDB Atlas flex-cluster restore jobs.",
    description_kind: "plain",
  },
}

/**
 * The whole provider schema in the shape `terraform providers schema -json`
 * prints: what the generator reads and the CLI's `schema` command shows.
 *
 * @since 0.1.0
 * @category schemas
 */
export const providerSchemaJson = () => ({
  format_version: "1.0",
  provider_schemas: {
    [PROVIDER_SOURCE]: {
      provider: providerConfig,
      data_source_schemas: { [DATA_SOURCE_TYPE]: flexRestoreJobDataSource },
      // The same restore job as an ephemeral resource (Terraform 1.10 or later): never in plan or state.
      ephemeral_resource_schemas: { [EPHEMERAL_RESOURCE_TYPE]: flexRestoreJobDataSource },
    },
  },
})
