/**
 * The diagnostics of the service's typed errors. Each error type has one
 * static summary (what Terraform users search for); the detail carries the
 * specifics: Atlas's HTTP status, `errorCode` and `detail`, then a hint. When
 * an input is at fault the diagnostic names its attribute, so Terraform
 * points at that line.
 *
 * @since 0.1.0
 */
import type { AtlasError, WaitTimeout } from "../../atlas/AtlasError.js"
import { maskSecrets } from "../../atlas/maskSecrets.js"
import { errorDiagnostic, ProtocolSummaries } from "../../provider/tfplugin6/Diagnostic.js"
import type { Diagnostic } from "../../provider/tfplugin6/Diagnostic.js"
import { attributeOf } from "../model.js"
import type { FlexRestoreJobConfig } from "../model.js"

/**
 * The static summaries, one per error type, beside the protocol's own.
 *
 * @since 0.1.0
 * @category constants
 */
export const Summaries = {
  InvalidRequest: "Invalid flex restore job reference",
  InvalidBaseUrl: "Invalid Atlas base URL",
  BadRequest: "Atlas rejected the request",
  Unauthorized: "Atlas did not accept the credentials",
  Forbidden: "Atlas refused access to the restore job",
  NotFound: "Flex restore job not found",
  RateLimited: "Atlas rate limit exceeded",
  ServerError: "Atlas server error",
  UnexpectedStatus: "Unexpected response from Atlas",
  TransportError: "Could not reach Atlas",
  Timeout: "Atlas request timed out",
  ResponseDecodeError: "Unreadable response from Atlas",
  AuthError: "Atlas authentication failed",
  WaitTimeout: "Timed out waiting for the restore job",
  ...ProtocolSummaries,
} as const

/**
 * Where each not-found code points. Other codes name no attribute. A Map, not
 * an object: the code is Atlas's text, and one such as `constructor` must not
 * find `Object.prototype`'s members.
 */
const notFoundAttribute: ReadonlyMap<string | undefined, keyof FlexRestoreJobConfig> = new Map([
  ["GROUP_NOT_FOUND", "project_id"],
  ["CLUSTER_NOT_FOUND", "name"],
  ["FLEX_CLUSTER_NOT_FOUND", "name"],
])

const credentialsHint =
  "Configure one of: access_token; client_id and client_secret; public_key and private_key, in the provider block " +
  "or through MONGODB_ATLAS_ACCESS_TOKEN; MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET; " +
  "MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY (the first mode configured wins, in that order)."

const lines = (...parts: ReadonlyArray<string | undefined | false>) => parts.filter(Boolean).join("\n")

const codeLine = (e: { readonly errorCode?: string | undefined }) =>
  e.errorCode === undefined ? undefined : `Atlas error code: ${e.errorCode}`

/**
 * The diagnostics for a failed read of `config`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromAtlasError = (
  error: AtlasError | WaitTimeout,
  config?: FlexRestoreJobConfig,
): ReadonlyArray<Diagnostic> => {
  const where = config
    ? ` (project_id ${JSON.stringify(config.project_id)}, name ${JSON.stringify(config.name)}, restore_job_id ${JSON.stringify(config.restore_job_id)})`
    : ""
  switch (error._tag) {
    case "InvalidRequest":
      return error.fields.map((f) =>
        f.field === "baseUrl"
          ? errorDiagnostic(
              Summaries.InvalidBaseUrl,
              lines(
                `The Atlas base URL ${JSON.stringify(f.value)} must be ${f.rule}.`,
                "Set base_url in the provider block, or MONGODB_ATLAS_BASE_URL.",
              ),
            )
          : errorDiagnostic(
              Summaries.InvalidRequest,
              `${attributeOf[f.field] ?? f.field} ${JSON.stringify(f.value)} must be ${f.rule}.`,
              attributeOf[f.field],
            ),
      )
    case "BadRequest": {
      const nonFlex = error.errorCode === "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API"
      return [
        errorDiagnostic(
          Summaries.BadRequest,
          lines(
            error.message + where,
            codeLine(error),
            nonFlex &&
              `Hint: the cluster ${JSON.stringify(config?.name ?? "")} is not a flex cluster. This provider reads restore jobs of flex clusters only; for a dedicated cluster use the official provider's mongodbatlas_cloud_backup_snapshot_restore_job.`,
            ...(error.badRequestDetail?.fields ?? []).map((f) => `${f.field ?? "?"}: ${f.description ?? ""}`),
          ),
          nonFlex ? "name" : undefined,
        ),
      ]
    }
    case "Unauthorized":
      return [
        errorDiagnostic(
          Summaries.Unauthorized,
          lines(
            error.message,
            codeLine(error),
            // A challenge that is not Atlas's says nothing about the credentials: they were never checked.
            error.challenge === undefined
              ? "Hint: check that the credentials are current and belong to the organization of the project. " +
                  credentialsHint
              : "Hint: the answer's challenge is not Atlas's, so the credentials were not checked: check that base_url (or MONGODB_ATLAS_BASE_URL) points at the Atlas Admin API, and whether a proxy between Terraform and Atlas answers instead.",
          ),
        ),
      ]
    case "Forbidden":
      return [
        errorDiagnostic(
          Summaries.Forbidden,
          lines(
            error.message + where,
            codeLine(error),
            "Hint: the credentials need at least the Project Read Only role on the project, and the caller's IP address must be on the API access list.",
          ),
        ),
      ]
    case "NotFound": {
      const attribute = notFoundAttribute.get(error.errorCode)
      return [
        errorDiagnostic(
          Summaries.NotFound,
          lines(
            error.message + where,
            codeLine(error),
            attribute
              ? `Hint: check ${attribute}.`
              : "Hint: check project_id, name and restore_job_id; a restore job id belongs to one flex cluster.",
          ),
          attribute,
        ),
      ]
    }
    case "RateLimited":
      return [
        errorDiagnostic(
          Summaries.RateLimited,
          lines(
            error.message,
            codeLine(error),
            `Hint: Atlas limits requests per project and per user; retry ${error.retryAfterSeconds === undefined ? "later" : `after ${error.retryAfterSeconds} seconds`}, or read fewer restore jobs per plan.`,
          ),
        ),
      ]
    case "ServerError":
      return [
        errorDiagnostic(
          Summaries.ServerError,
          lines(error.message, codeLine(error), "Hint: Atlas failed after the retries allowed; try again later."),
        ),
      ]
    case "UnexpectedStatus":
      return [
        errorDiagnostic(
          Summaries.UnexpectedStatus,
          lines(
            error.message,
            codeLine(error),
            error.status === 406 || error.status === 410
              ? "Hint: the API version this provider speaks (2024-11-13) is not served there; upgrade the provider."
              : undefined,
          ),
        ),
      ]
    case "TransportError":
      return [
        errorDiagnostic(
          Summaries.TransportError,
          lines(error.message, "Hint: check base_url (or MONGODB_ATLAS_BASE_URL) and the network or proxy settings."),
        ),
      ]
    case "Timeout":
      return [errorDiagnostic(Summaries.Timeout, error.message)]
    case "ResponseDecodeError":
      return [
        errorDiagnostic(
          Summaries.ResponseDecodeError,
          lines(error.message, "Hint: check that base_url points at the Atlas Admin API."),
        ),
      ]
    case "AuthError":
      return [
        errorDiagnostic(
          Summaries.AuthError,
          lines(error.message, error.status === undefined ? credentialsHint : codeLine(error)),
        ),
      ]
    case "WaitTimeout":
      return [errorDiagnostic(Summaries.WaitTimeout, error.message)]
  }
}

/**
 * `maskSecrets` over a fixed list of secrets.
 *
 * @since 0.1.0
 * @category redaction
 */
export const scrubber =
  (secrets: ReadonlyArray<string>) =>
  (text: string): string =>
    maskSecrets(text, secrets)
