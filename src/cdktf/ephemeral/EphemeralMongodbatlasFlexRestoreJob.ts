/**
 * The `mongodbatlas_flex_restore_job` ephemeral resource as a cdktn construct
 * (cdktn only: cdktf 0.21 has no ephemeral blocks). Terraform 1.10 or later
 * reads it at each plan and apply and keeps its values, `snapshot_url` above
 * all, out of plan and state; they may feed only ephemeral contexts
 * (provider blocks, provisioners, locals used there, ephemeral outputs).
 * The class is generated from `src/datasource/schema.ts` by
 * `@cdktn/provider-generator`; this module adds what the data source's
 * construct adds: the check of literal inputs at construction, and the
 * binding to this package's provider of the stack. cdktn synthesizes it only
 * in a project that targets Terraform 1.10 or later (`"targetVersions":
 * { "terraform": ">=1.10.0" }` in cdktf.json, or the App's context).
 *
 * @since 0.1.0
 */
import { Token } from "cdktn"
import type { Construct } from "constructs"
import { checkConfig } from "../check.js"
import * as generated from "../cdktn/generated/ephemeral-mongodbatlas-flex-restore-job/index.js"
import { boundMetaArguments } from "../providerBinding.js"

/**
 * The construct's configuration: `projectId`, `name`, `restoreJobId` and the
 * ephemeral block's meta-arguments (`provider`, `dependsOn`, `count`,
 * `forEach`, `lifecycle`).
 *
 * @since 0.1.0
 * @category models
 */
export interface EphemeralMongodbatlasFlexRestoreJobConfig
  extends generated.EphemeralMongodbatlasFlexRestoreJobConfig {}

/**
 * Reads one restore job of a flex cluster, never stored:
 * `${ephemeral.mongodbatlas_flex_restore_job.<id>.<attr>}`. Its provider: the
 * `provider` given, else this package's `MongodbatlasProvider` of the stack
 * (the official provider has no such ephemeral resource).
 *
 * @example
 * const job = new EphemeralMongodbatlasFlexRestoreJob(this, "download", {
 *   projectId: "6650f1a2b3c4d5e6f7a8b9c0",
 *   name: "flex-demo",
 *   restoreJobId: "66a0000000000000000000d1",
 * })
 * // An ephemeral value may feed a provisioner, not a resource's arguments.
 * new DataResource(this, "fetch", {
 *   provisioners: [{ type: "local-exec", command: "fetch-snapshot", environment: { LINK: job.snapshotUrl } }],
 * })
 *
 * @since 0.1.0
 * @category constructs
 */
export class EphemeralMongodbatlasFlexRestoreJob extends generated.EphemeralMongodbatlasFlexRestoreJob {
  /**
   * @throws FlexRestoreJobConfigError when a literal `projectId`, `name` or
   * `restoreJobId` breaks the API's pattern (all problems in one error).
   */
  constructor(scope: Construct, id: string, config: EphemeralMongodbatlasFlexRestoreJobConfig) {
    checkConfig(scope.node.path === "" ? id : `${scope.node.path}/${id}`, config, (value) => Token.isUnresolved(value))
    super(scope, id, config)
  }

  /** The meta-arguments, with `provider` set to this package's provider of the stack when none was given. */
  override get terraformMetaArguments(): { [name: string]: unknown } {
    return boundMetaArguments(this, super.terraformMetaArguments)
  }
}
