/**
 * The reference that selects one restore job, the API's path patterns, and
 * their check. Kept free of any dependency so that code which only validates
 * input (the CDKTF construct at construction time) loads nothing else; the
 * model module re-exports all of it.
 *
 * @since 0.1.0
 */

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

/** A value as text for a problem report; never throws (`String` does on `{ toString: 0 }` or a null prototype). */
const describeValue = (value: unknown): string => {
  try {
    return String(value)
  } catch {
    return Array.isArray(value) ? "[array]" : `[${typeof value}]`
  }
}

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
      problems.push({ field, value: describeValue(value), rule: PatternRules[field] })
    }
  }
  return problems
}
