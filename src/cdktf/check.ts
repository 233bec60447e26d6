/**
 * The synth-time check of the data source's literal inputs, written once for
 * both flavours (cdktf and cdktn): it imports neither library; the flavour
 * hands it its own `Token.isUnresolved`.
 *
 * @since 0.1.0
 */
import { checkRef } from "../atlas/FlexRestoreJobRef.js"
import type { FlexRestoreJobRef } from "../atlas/FlexRestoreJobRef.js"
import { DATA_SOURCE_TYPE } from "../datasource/schema.js"

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
 * break the API's patterns; lists every problem at once. One class for both
 * flavours.
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
      `Invalid ${DATA_SOURCE_TYPE} "${path}": ` +
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
 * Throws a `FlexRestoreJobConfigError` listing every literal input that breaks
 * the API's pattern. Values only known at plan time pass unchecked: a token
 * (`isUnresolved`, the flavour's `Token.isUnresolved`), or a string holding a
 * Terraform template (`"${var.project_id}"`), which Terraform evaluates in JSON
 * syntax. So do absent ones.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkConfig = (
  path: string,
  inputs: Partial<Record<ConfigProperty, unknown>>,
  isUnresolved: (value: unknown) => boolean,
): void => {
  const known: Partial<Record<keyof FlexRestoreJobRef, unknown>> = {}
  for (const property of Object.keys(properties) as Array<ConfigProperty>) {
    const value = inputs[property]
    // Encoded string tokens read `${TfToken[...]}`: any string without "${" is a plain literal.
    // An absent one (`undefined`) is kept: checkRef passes it.
    if (typeof value === "string" ? value.includes("${") : isUnresolved(value)) continue
    known[properties[property]] = value
  }
  const problems = checkRef(known).map((p) => ({ property: propertyOf[p.field], value: p.value, rule: p.rule }))
  if (problems.length > 0) throw new FlexRestoreJobConfigError(path, problems)
}

/** One label of a source address: letters, digits and inner hyphens. */
const label = "[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?"
const sourceAddress = new RegExp(`^(?:${label}(?:\\.${label})*(?::[0-9]+)?/)?${label}/${label}$`)

/**
 * Throws a `TypeError` naming the provider construct and the rule when
 * `source` is not a Terraform provider source address
 * (`[HOSTNAME/]NAMESPACE/TYPE`, e.g. `app.terraform.io/acme/atlasflex`).
 *
 * @since 0.1.0
 * @category validation
 */
export const checkSourceAddress = (path: string, source: string): void => {
  if (!sourceAddress.test(source))
    throw new TypeError(
      `Invalid source ${JSON.stringify(source)} of provider "${path}": must be a provider source address ` +
        `[HOSTNAME/]NAMESPACE/TYPE (letters, digits and inner hyphens; the hostname may have dots and a port), ` +
        `e.g. "app.terraform.io/acme/atlasflex"`,
    )
}

/** One version constraint: an optional operator and a version, `~> 0.1.0`, `>= 1.2.3-beta1`. */
const constraint =
  "\\s*(?:=|!=|>=|<=|>|<|~>)?\\s*v?[0-9]+(?:\\.[0-9]+){0,2}(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?\\s*"
const versionConstraint = new RegExp(`^${constraint}(?:,${constraint})*$`)

/**
 * Throws a `TypeError` naming the provider construct and the rule when
 * `version` is not a Terraform version constraint (`~> 0.1.0`, `>= 0.1, < 0.3`).
 *
 * @since 0.1.0
 * @category validation
 */
export const checkVersionConstraint = (path: string, version: string): void => {
  if (!versionConstraint.test(version))
    throw new TypeError(
      `Invalid version ${JSON.stringify(version)} of provider "${path}": must be a Terraform version constraint, ` +
        `comma-separated [OPERATOR] VERSION with OPERATOR one of = != > >= < <= ~>, e.g. "~> 0.1.0"`,
    )
}

/**
 * The version constraint of a package version: the same major and minor,
 * any patch (`0.1.4` → `~> 0.1.4`, which admits 0.1.4 to 0.1.x; a pre-release
 * keeps its label, `0.2.0-rc.1` → `~> 0.2.0-rc.1`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultVersionConstraint = (packageVersion: string): string => `~> ${packageVersion}`
