/**
 * The example stack: a flex cluster, one of its restore jobs read through
 * this package's provider, and the job's attributes consumed by outputs, a
 * local and a `terraform_data` resource. It uses only our provider and
 * Terraform built-ins, so `terraform plan` runs offline against the emulator.
 *
 * @since 0.1.0
 */
import { DataResource, LocalBackend, Op, TerraformLocal, TerraformOutput, TerraformStack } from "cdktf"
import type { Construct } from "constructs"
// In an application: from "atlas-flex-restore/cdktf"
import { DataMongodbatlasFlexRestoreJob, MongodbatlasProvider } from "../../src/cdktf/index.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"
import { FlexCluster } from "./FlexCluster.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RestoreJobStackProps {
  readonly projectId: string
  readonly clusterName: string
  /** A literal, so the construct checks it at synth time. */
  readonly restoreJobId: string
  /** The provider's `base_url`. @default - unset: the plugin reads MONGODB_ATLAS_BASE_URL at plan time */
  readonly baseUrl?: string
}

/**
 * The stack's inputs from the environment, defaulting to the emulator's seed
 * (the completed RESTORE job of project `EmulatorSeed.groupId`):
 * `FLEX_PROJECT_ID`, `FLEX_CLUSTER_NAME`, `FLEX_RESTORE_JOB_ID`, and
 * `MONGODB_ATLAS_BASE_URL` for the provider block.
 *
 * @since 0.1.0
 * @category constructors
 */
export const propsFromEnv = (env: Readonly<Record<string, string | undefined>> = process.env): RestoreJobStackProps => {
  const baseUrl = env["MONGODB_ATLAS_BASE_URL"]
  return {
    projectId: env["FLEX_PROJECT_ID"] || EmulatorSeed.groupId,
    clusterName: env["FLEX_CLUSTER_NAME"] || EmulatorSeed.clusterName,
    restoreJobId: env["FLEX_RESTORE_JOB_ID"] || EmulatorSeed.jobs.completed,
    ...(baseUrl ? { baseUrl } : {}),
  }
}

/**
 * The attributes the stack outputs, by output name.
 */
const outputs = {
  status: "status",
  delivery_type: "deliveryType",
  snapshot_id: "snapshotId",
  snapshot_url: "snapshotUrl",
  snapshot_finished_date: "snapshotFinishedDate",
  restore_scheduled_date: "restoreScheduledDate",
  restore_finished_date: "restoreFinishedDate",
  expiration_date: "expirationDate",
  target_deployment_item_name: "targetDeploymentItemName",
  target_project_id: "targetProjectId",
} as const

/**
 * @since 0.1.0
 * @category constructs
 */
export class RestoreJobStack extends TerraformStack {
  readonly cluster: FlexCluster
  readonly job: DataMongodbatlasFlexRestoreJob

  constructor(scope: Construct, id: string, props: RestoreJobStackProps) {
    super(scope, id)
    // State beside the synthesized stack (under cdktf.out/), not in the project root.
    new LocalBackend(this, { path: "terraform.tfstate" })
    new MongodbatlasProvider(this, "atlasflex", props.baseUrl === undefined ? {} : { baseUrl: props.baseUrl })

    this.cluster = new FlexCluster(this, "flex_cluster", { projectId: props.projectId, name: props.clusterName })
    this.job = new DataMongodbatlasFlexRestoreJob(this, "restore_job", {
      projectId: this.cluster.projectId,
      name: this.cluster.name,
      restoreJobId: props.restoreJobId,
    })

    for (const [name, attribute] of Object.entries(outputs)) {
      // The download link is sensitive (whoever holds it can download the data): an output of it must say so.
      new TerraformOutput(this, name, {
        value: this.job[attribute],
        ...(name === "snapshot_url" ? { sensitive: true } : {}),
      })
    }
    const completed = new TerraformLocal(this, "restore_completed", Op.eq(this.job.status, "COMPLETED"))
    new TerraformOutput(this, "completed", { value: completed.asBoolean })
    // Records which snapshot was restored where; replaced when the job's snapshot changes.
    new DataResource(this, "restored_snapshot", {
      input: {
        snapshot_id: this.job.snapshotId,
        target_project_id: this.job.targetProjectId,
        target_deployment_item_name: this.job.targetDeploymentItemName,
        finished: this.job.restoreFinishedDate,
      },
      triggersReplace: { snapshot_id: this.job.snapshotId },
    })
  }
}
