/**
 * The example cdktn app: the same data source and provider as the CDKTF
 * example, imported from `atlas-flex-restore/cdktn`, in a project that has
 * `cdktn` and `constructs` and no `cdktf`. `npm run build && node
 * dist/examples/cdktn/main.js` writes `cdktf.out/stacks/flex-restore-cdktn/cdk.tf.json`
 * (cdktn keeps cdktf's output folder). Inputs default to the emulator's seed:
 * `FLEX_PROJECT_ID`, `FLEX_CLUSTER_NAME`, `FLEX_RESTORE_JOB_ID`, and
 * `MONGODB_ATLAS_BASE_URL` for the provider block.
 *
 * @since 0.1.0
 */
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { App, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable } from "cdktn"
import type { Construct } from "constructs"
// In an application: from "atlas-flex-restore/cdktn"
import { DataMongodbatlasFlexRestoreJob, MongodbatlasProvider } from "../../src/cdktf/cdktn/index.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"

/**
 * One restore job read through this package's provider (local name
 * `atlasflex`), its cluster given as variables, its status and snapshot as
 * outputs; the plan fails unless the job completed.
 *
 * @since 0.1.0
 * @category constructs
 */
export class RestoreStatusStack extends TerraformStack {
  readonly job: DataMongodbatlasFlexRestoreJob

  constructor(scope: Construct, id: string, env: Readonly<Record<string, string | undefined>> = process.env) {
    super(scope, id)
    new LocalBackend(this, { path: "terraform.tfstate" })
    const baseUrl = env["MONGODB_ATLAS_BASE_URL"]
    new MongodbatlasProvider(this, "atlasflex", baseUrl ? { baseUrl } : {})
    const variable = (name: string, fallback: string, description: string) =>
      new TerraformVariable(this, name, { type: "string", default: fallback, description }).stringValue
    this.job = new DataMongodbatlasFlexRestoreJob(this, "job", {
      projectId: variable("project_id", env["FLEX_PROJECT_ID"] || EmulatorSeed.groupId, "Project of the flex cluster."),
      name: variable("cluster_name", env["FLEX_CLUSTER_NAME"] || EmulatorSeed.clusterName, "Flex cluster name."),
      restoreJobId: env["FLEX_RESTORE_JOB_ID"] || EmulatorSeed.jobs.completed,
      lifecycle: {
        postcondition: [
          { condition: '${self.status == "COMPLETED"}', errorMessage: "The restore job has not completed." },
        ],
      },
    })
    new TerraformOutput(this, "status", { value: this.job.status })
    new TerraformOutput(this, "snapshot_id", { value: this.job.snapshotId })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const app = new App()
  new RestoreStatusStack(app, "flex-restore-cdktn")
  app.synth()
}
