// GENERATED FILE, DO NOT EDIT. Written by `npm run generate` (scripts/generate.ts) from src/cdktf/DataMongodbatlasFlexRestoreJob.ts
// for cdktn: edit that one.
/**
 * The `mongodbatlas_flex_restore_job` data source as a cdktn construct: a
 * drop-in for `DataMongodbatlasFlexRestoreJob` of `@cdktf/provider-mongodbatlas`
 * (same config, same getters, same references) that also checks literal
 * inputs against the API's patterns when it is constructed, so a typo fails
 * `synth` instead of `terraform plan`, and binds to this package's provider
 * when the stack has one. The class itself is generated from
 * `src/datasource/schema.ts`; this module adds only the check and the binding.
 *
 * @since 0.1.0
 */
import { Token } from "cdktn"
import type { Construct } from "constructs"
import { checkConfig } from "../check.js"
import * as generated from "./generated/data-mongodbatlas-flex-restore-job/index.js"
import { boundMetaArguments } from "../providerBinding.js"

/**
 * The construct's configuration: `projectId`, `name`, `restoreJobId` and the
 * Terraform meta-arguments (`provider`, `dependsOn`, `count`, `forEach`,
 * `lifecycle`), exactly as in `@cdktf/provider-mongodbatlas`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DataMongodbatlasFlexRestoreJobConfig extends generated.DataMongodbatlasFlexRestoreJobConfig {}

const isUnresolved = (value: unknown): boolean => Token.isUnresolved(value)

/**
 * Reads one restore job of a flex cluster: `${data.mongodbatlas_flex_restore_job.<id>.<attr>}`.
 *
 * Its provider: the `provider` given; else, when the stack holds this
 * package's `MongodbatlasProvider` (local name `atlasflex`), that one
 * (`provider = atlasflex` in the synthesized block, whatever the order of
 * construction); else none, so Terraform takes the provider named
 * `mongodbatlas`: the official `mongodb/mongodbatlas`, exactly as with the
 * prebuilt class.
 *
 * @example
 * const job = new DataMongodbatlasFlexRestoreJob(this, "job", {
 *   projectId: cluster.projectId,
 *   name: cluster.name,
 *   restoreJobId: "66a0000000000000000000c1",
 * })
 * new TerraformOutput(this, "status", { value: job.status })
 *
 * @since 0.1.0
 * @category constructs
 */
export class DataMongodbatlasFlexRestoreJob extends generated.DataMongodbatlasFlexRestoreJob {
  /**
   * @throws FlexRestoreJobConfigError when a literal `projectId`, `name` or
   * `restoreJobId` breaks the API's pattern (all problems in one error).
   */
  constructor(scope: Construct, id: string, config: DataMongodbatlasFlexRestoreJobConfig) {
    checkConfig(scope.node.path === "" ? id : `${scope.node.path}/${id}`, config, isUnresolved)
    super(scope, id, config)
  }

  /**
   * The meta-arguments, with `provider` set to this package's provider of the
   * stack when none was given (resolved at synth time).
   *
   * @throws Error when the stack has several of this package's providers and
   * none was given (naming them).
   */
  override get terraformMetaArguments(): { [name: string]: unknown } {
    return boundMetaArguments(this, super.terraformMetaArguments)
  }

  override get name(): string {
    return super.name
  }
  override set name(value: string) {
    checkConfig(this.node.path, { name: value }, isUnresolved)
    super.name = value
  }

  override get projectId(): string {
    return super.projectId
  }
  override set projectId(value: string) {
    checkConfig(this.node.path, { projectId: value }, isUnresolved)
    super.projectId = value
  }

  override get restoreJobId(): string {
    return super.restoreJobId
  }
  override set restoreJobId(value: string) {
    checkConfig(this.node.path, { restoreJobId: value }, isUnresolved)
    super.restoreJobId = value
  }
}
