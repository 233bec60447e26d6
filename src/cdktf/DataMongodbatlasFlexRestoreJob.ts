/**
 * The `mongodbatlas_flex_restore_job` data source as a CDKTF construct: a
 * drop-in for `DataMongodbatlasFlexRestoreJob` of `@cdktf/provider-mongodbatlas`
 * (same config, same getters, same synthesized block and references) that also
 * checks literal inputs against the API's patterns when it is constructed, so
 * a typo fails `synth` instead of `terraform plan`. The class itself is
 * generated from `src/datasource/schema.ts`; this module adds only the check.
 *
 * @since 0.1.0
 */
import { Token } from "cdktf"
import type { Construct } from "constructs"
import { checkRef } from "../atlas/FlexRestoreJobRef.js"
import type { FlexRestoreJobRef } from "../atlas/FlexRestoreJobRef.js"
import * as generated from "./generated/data-mongodbatlas-flex-restore-job/index.js"

/**
 * The construct's configuration: `projectId`, `name`, `restoreJobId` and the
 * Terraform meta-arguments (`provider`, `dependsOn`, `count`, `forEach`,
 * `lifecycle`), exactly as in `@cdktf/provider-mongodbatlas`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DataMongodbatlasFlexRestoreJobConfig extends generated.DataMongodbatlasFlexRestoreJobConfig {}

/**
 * The inputs the construct checks.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigProperty = "projectId" | "name" | "restoreJobId"

/**
 * One input that does not match the API's rule for it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigProblem {
  /** The config property, as the construct names it (`projectId`, `name`, `restoreJobId`). */
  readonly property: ConfigProperty
  /** The value given, as a string. */
  readonly value: string
  /** The rule it breaks, in words and as the API's pattern. */
  readonly rule: string
}

/**
 * Thrown by the construct (or one of its input setters) when literal inputs
 * break the API's patterns; lists every problem at once.
 *
 * @since 0.1.0
 * @category errors
 */
export class FlexRestoreJobConfigError extends Error {
  readonly _tag = "FlexRestoreJobConfigError"
  override readonly name = "FlexRestoreJobConfigError"
  constructor(
    /** The construct path, e.g. `stack/job`. */
    readonly path: string,
    readonly problems: ReadonlyArray<ConfigProblem>,
  ) {
    super(
      `Invalid ${generated.DataMongodbatlasFlexRestoreJob.tfResourceType} "${path}": ` +
        problems.map((p) => `${p.property} ${JSON.stringify(p.value)} must be ${p.rule}`).join("; "),
    )
  }
}

/** Construct property → field of the service reference. */
const properties: Record<ConfigProperty, keyof FlexRestoreJobRef> = {
  projectId: "groupId",
  name: "name",
  restoreJobId: "restoreJobId",
}
const propertyOf = Object.fromEntries(
  Object.entries(properties).map(([property, field]) => [field, property]),
) as Record<keyof FlexRestoreJobRef, ConfigProperty>

/**
 * Whether a value is only known at plan time: a CDKTF token (another
 * construct's attribute, a variable), or a string holding a Terraform
 * template (`"${var.project_id}"`), which Terraform evaluates in JSON syntax.
 */
const isUnknown = (value: unknown): boolean =>
  // Encoded string tokens read `${TfToken[...]}`: any string without "${" is a plain literal.
  typeof value === "string" ? value.includes("${") : Token.isUnresolved(value)

/**
 * The problems of the given inputs. Values only known at plan time pass
 * unchecked; so do absent ones.
 */
const problemsOf = (inputs: Partial<Record<ConfigProperty, unknown>>): Array<ConfigProblem> => {
  const known: Partial<Record<keyof FlexRestoreJobRef, unknown>> = {}
  for (const property of Object.keys(properties) as Array<ConfigProperty>) {
    const value = inputs[property]
    if (value === undefined || isUnknown(value)) continue
    known[properties[property]] = value
  }
  return checkRef(known).map((p) => ({ property: propertyOf[p.field], value: p.value, rule: p.rule }))
}

const check = (path: string, inputs: Partial<Record<ConfigProperty, unknown>>): void => {
  const problems = problemsOf(inputs)
  if (problems.length > 0) throw new FlexRestoreJobConfigError(path, problems)
}

/**
 * Reads one restore job of a flex cluster: `${data.mongodbatlas_flex_restore_job.<id>.<attr>}`.
 * Works with whichever provider the stack declares for `mongodbatlas`: this
 * package's `MongodbatlasProvider` or the official `mongodb/mongodbatlas`.
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
    check(scope.node.path === "" ? id : `${scope.node.path}/${id}`, config)
    super(scope, id, config)
  }

  override get name(): string {
    return super.name
  }
  override set name(value: string) {
    check(this.node.path, { name: value })
    super.name = value
  }

  override get projectId(): string {
    return super.projectId
  }
  override set projectId(value: string) {
    check(this.node.path, { projectId: value })
    super.projectId = value
  }

  override get restoreJobId(): string {
    return super.restoreJobId
  }
  override set restoreJobId(value: string) {
    check(this.node.path, { restoreJobId: value })
    super.restoreJobId = value
  }
}
