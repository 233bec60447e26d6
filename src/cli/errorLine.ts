/**
 * The one line the CLI prints on stderr when a command fails: the error's
 * type, its message (which carries the HTTP status and the Atlas error code),
 * and a hint at what to do. Anything that looks like a configured secret is
 * masked, whatever the message came from.
 *
 * @since 0.1.0
 */
import type { AtlasError, WaitTimeout } from "../atlas/AtlasError.js"
import { formatDuration } from "./parseDuration.js"
import type { JobFailed } from "./JobFailed.js"

/**
 * Every failure a command can end with.
 *
 * @since 0.1.0
 * @category models
 */
export type CommandFailure = AtlasError | WaitTimeout | JobFailed

const flagOf: Record<string, string> = {
  groupId: "--group-id",
  name: "--name",
  restoreJobId: "--restore-job-id",
  baseUrl: "--base-url (or MONGODB_ATLAS_BASE_URL)",
}

const credentialVariables =
  "MONGODB_ATLAS_PUBLIC_API_KEY + MONGODB_ATLAS_PRIVATE_API_KEY, MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET, or MONGODB_ATLAS_ACCESS_TOKEN"

const messageOf = (error: CommandFailure): string => {
  if (error._tag === "InvalidRequest") {
    return error.fields
      .map((f) => `${flagOf[f.field] ?? f.field} ${JSON.stringify(f.value)} must be ${f.rule}`)
      .join("; ")
  }
  if (error._tag === "WaitTimeout") {
    return `the restore job did not finish within ${formatDuration(error.afterMillis)} (last status ${error.lastStatus ?? "unknown"})`
  }
  return error.message
}

const hintOf = (error: CommandFailure): string => {
  switch (error._tag) {
    case "InvalidRequest":
      return error.fields.length > 1
        ? "nothing was sent; fix these values (see --help)"
        : "nothing was sent; fix this value (see --help)"
    case "BadRequest":
      return error.errorCode === "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API"
        ? "--name must be a flex cluster; restore jobs of dedicated clusters are under `atlas backups restores`"
        : "check --group-id, --name and --restore-job-id"
    case "Unauthorized":
      // A challenge that is not Atlas's says nothing about the credentials.
      return error.challenge === undefined
        ? `check the credentials in ${credentialVariables}`
        : "the credentials were not checked; check --base-url (or MONGODB_ATLAS_BASE_URL) and any proxy between you and Atlas"
    case "Forbidden":
      return "the credentials need the Project Read Only role on this project, and your IP must be on the API access list"
    case "NotFound":
      return "check that the project, the flex cluster and the restore job exist and belong together"
    case "RateLimited":
      return error.retryAfterSeconds === undefined
        ? "Atlas is rate limiting these credentials; try again in a minute"
        : `Atlas is rate limiting these credentials; try again in ${error.retryAfterSeconds}s`
    case "ServerError":
      return "Atlas failed on its side; try again later"
    case "UnexpectedStatus":
      return error.status === 406 || error.status === 410
        ? "Atlas no longer serves API version 2024-11-13 for this call; upgrade atlas-flex-restore"
        : "check --base-url (or MONGODB_ATLAS_BASE_URL): it should be the Atlas API host"
    case "ResponseDecodeError":
      return "the answer was not a restore job; check --base-url (or MONGODB_ATLAS_BASE_URL)"
    case "TransportError":
      return "check your network and --base-url (or MONGODB_ATLAS_BASE_URL)"
    case "Timeout":
      return "Atlas did not answer in time; try again"
    case "AuthError":
      return error.status === undefined
        ? `set ${credentialVariables}`
        : `check the credentials in ${credentialVariables}`
    case "WaitTimeout":
      return "raise --timeout, or look at the job in the Atlas UI"
    case "JobFailed":
      return "the restore failed in Atlas; the job is on stdout, and the Atlas UI shows why"
  }
}

/**
 * The one-line message for a failure, without the program name.
 *
 * @since 0.1.0
 * @category formatting
 */
export const errorLine = (error: CommandFailure): string =>
  `${error._tag}: ${messageOf(error).replace(/[.\s]+$/, "")}. Hint: ${hintOf(error)}`.replace(/\s+/g, " ")
