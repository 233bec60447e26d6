/**
 * The CLI's exit codes, and which failure yields which. Scripts branch on
 * these, so they are public API: 0 success; 1 the API answered an error or
 * the job FAILED; 2 usage or invalid input (nothing sent); 3 network or
 * timeout; 4 `wait` ran out of time.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export const ExitCode = {
  Success: 0,
  Failure: 1,
  Usage: 2,
  Unreachable: 3,
  WaitTimeout: 4,
} as const

/**
 * @since 0.1.0
 * @category models
 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * The text `--help` shows for the codes.
 *
 * @since 0.1.0
 * @category models
 */
export const exitCodeHelp: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.Success, "success"],
  [ExitCode.Failure, "Atlas answered an error (4xx/5xx, bad response), or the job is FAILED (printed first)"],
  [ExitCode.Usage, "usage or invalid input, e.g. a malformed id or missing credentials (nothing was sent)"],
  [ExitCode.Unreachable, "network error or request timeout (Atlas could not be reached in time)"],
  [ExitCode.WaitTimeout, "`wait` ran out of time (--timeout) before the job finished"],
]

/**
 * The exit code for a failure, by its tag. Authentication that fails before
 * anything is sent (no credentials configured) is a usage error; a token
 * endpoint that answers with an error status is an API error.
 *
 * @since 0.1.0
 * @category mapping
 */
export const exitCodeFor = (error: { readonly _tag: string; readonly status?: number | undefined }): ExitCode => {
  switch (error._tag) {
    case "InvalidRequest":
      return ExitCode.Usage
    case "AuthError":
      return error.status === undefined ? ExitCode.Usage : ExitCode.Failure
    case "TransportError":
    case "Timeout":
      return ExitCode.Unreachable
    case "WaitTimeout":
      return ExitCode.WaitTimeout
    default:
      return ExitCode.Failure
  }
}
