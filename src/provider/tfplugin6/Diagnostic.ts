/**
 * Diagnostics as the plugin protocol carries them: an error or a warning
 * with a static summary (what users search for), a detail with the
 * specifics, and the attribute at fault if one is, so Terraform points at
 * that line. The summaries here are the protocol's own failures; a
 * provider brings its own for its errors.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export interface AttributePath {
  readonly steps: ReadonlyArray<{ readonly attribute_name: string }>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Diagnostic {
  readonly severity: "ERROR" | "WARNING"
  readonly summary: string
  readonly detail: string
  readonly attribute?: AttributePath
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const errorDiagnostic = (summary: string, detail: string, attribute?: string): Diagnostic => ({
  severity: "ERROR",
  summary,
  detail,
  ...(attribute === undefined ? {} : { attribute: { steps: [{ attribute_name: attribute }] } }),
})

/**
 * The static summaries of the failures the server itself answers.
 *
 * @since 0.1.0
 * @category constants
 */
export const ProtocolSummaries = {
  Cancelled: "Read cancelled",
  InvalidValue: "Invalid value from Terraform",
  UnknownValue: "Value not yet known",
  Unsupported: "Not supported by this provider",
  Internal: "Provider internal error",
} as const

/**
 * The diagnostic with `scrub` applied to its texts.
 *
 * @since 0.1.0
 * @category redaction
 */
export const scrubDiagnostic = (scrub: (text: string) => string, d: Diagnostic): Diagnostic => ({
  ...d,
  summary: scrub(d.summary),
  detail: scrub(d.detail),
})
