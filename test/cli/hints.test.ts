/**
 * The hint a user reads at the end of the CLI's error line, exactly, for
 * every kind of failure and each variant within a kind (one bad value or
 * several, a non-flex cluster, a challenge that was not Atlas's, a known
 * Retry-After, an API version gone, a token endpoint's refusal), and the
 * table's cells for absent and multi-line values.
 */
import { describe, expect, it } from "vitest"
import * as E from "../../src/atlas/AtlasError.js"
import { checkRef } from "../../src/atlas/FlexRestoreJobRef.js"
import { errorLine } from "../../src/cli/errorLine.js"
import type { CommandFailure } from "../../src/cli/errorLine.js"
import { JobFailed } from "../../src/cli/JobFailed.js"
import { renderJob } from "../../src/cli/renderJob.js"

const api = { status: 404, errorCode: "RESOURCE_NOT_FOUND", detail: "Cannot find resource restore job x." }
const variables =
  "MONGODB_ATLAS_PUBLIC_API_KEY + MONGODB_ATLAS_PRIVATE_API_KEY, MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET, or MONGODB_ATLAS_ACCESS_TOKEN"
const hex24 = "24 lower-case hexadecimal digits (^([a-f0-9]{24})$)"

const hints: ReadonlyArray<readonly [string, CommandFailure, string]> = [
  [
    "one bad value",
    new E.InvalidRequest({ fields: checkRef({ groupId: "xyz" }) }),
    "nothing was sent; fix this value (see --help)",
  ],
  [
    "two bad values",
    new E.InvalidRequest({ fields: checkRef({ groupId: "xyz", restoreJobId: "q" }) }),
    "nothing was sent; fix these values (see --help)",
  ],
  [
    "a non-flex cluster",
    new E.BadRequest({ ...api, status: 400, errorCode: "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API" }),
    "--name must be a flex cluster; restore jobs of dedicated clusters are under `atlas backups restores`",
  ],
  [
    "another bad request",
    new E.BadRequest({ ...api, status: 400, errorCode: "VALIDATION_ERROR" }),
    "check --group-id, --name and --restore-job-id",
  ],
  [
    "Atlas refused the credentials",
    new E.Unauthorized({ ...api, status: 401, errorCode: "USER_UNAUTHORIZED" }),
    `check the credentials in ${variables}`,
  ],
  [
    "a challenge that was not Atlas's",
    new E.Unauthorized({ ...api, status: 401, errorCode: "USER_UNAUTHORIZED", challenge: "Basic realm=x" }),
    "the credentials were not checked; check --base-url (or MONGODB_ATLAS_BASE_URL) and any proxy between you and Atlas",
  ],
  [
    "forbidden",
    new E.Forbidden({ ...api, status: 403, errorCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST" }),
    "the credentials need the Project Read Only role on this project, and your IP must be on the API access list",
  ],
  [
    "not found",
    new E.NotFound(api),
    "check that the project, the flex cluster and the restore job exist and belong together",
  ],
  [
    "rate limited, no Retry-After",
    new E.RateLimited({ ...api, status: 429, errorCode: "RATE_LIMITED" }),
    "Atlas is rate limiting these credentials; try again in a minute",
  ],
  [
    "rate limited, Retry-After 55",
    new E.RateLimited({ ...api, status: 429, errorCode: "RATE_LIMITED", retryAfterSeconds: 55 }),
    "Atlas is rate limiting these credentials; try again in 55s",
  ],
  [
    "a server error",
    new E.ServerError({ ...api, status: 500, errorCode: "UNEXPECTED_ERROR" }),
    "Atlas failed on its side; try again later",
  ],
  [
    "406",
    new E.UnexpectedStatus({ ...api, status: 406, errorCode: "X" }),
    "Atlas no longer serves API version 2024-11-13 for this call; upgrade atlas-flex-restore",
  ],
  [
    "410",
    new E.UnexpectedStatus({ ...api, status: 410, errorCode: "X" }),
    "Atlas no longer serves API version 2024-11-13 for this call; upgrade atlas-flex-restore",
  ],
  [
    "418",
    new E.UnexpectedStatus({ ...api, status: 418, errorCode: "X" }),
    "check --base-url (or MONGODB_ATLAS_BASE_URL): it should be the Atlas API host",
  ],
  [
    "not a job",
    new E.ResponseDecodeError({ status: 200, reason: "not JSON" }),
    "the answer was not a restore job; check --base-url (or MONGODB_ATLAS_BASE_URL)",
  ],
  [
    "unreachable",
    new E.TransportError({ reason: "connect ECONNREFUSED 127.0.0.1:1" }),
    "check your network and --base-url (or MONGODB_ATLAS_BASE_URL)",
  ],
  ["too slow", new E.Timeout({ afterMillis: 30_000, what: "one attempt" }), "Atlas did not answer in time; try again"],
  ["no credentials", new E.AuthError({ reason: "no Atlas credentials configured" }), `set ${variables}`],
  [
    "a token endpoint's refusal",
    new E.AuthError({ reason: "token endpoint refused", status: 401, errorCode: "INVALID_CLIENT" }),
    `check the credentials in ${variables}`,
  ],
  [
    "out of time",
    new E.WaitTimeout({ afterMillis: 1_800_000, lastStatus: "RUNNING" }),
    "raise --timeout, or look at the job in the Atlas UI",
  ],
  [
    "a failed job",
    new JobFailed({ restoreJobId: "66a0000000000000000000f1", elapsedMillis: 10 }),
    "the restore failed in Atlas; the job is on stdout, and the Atlas UI shows why",
  ],
]

describe("the CLI's error line", () => {
  it.each(hints)("%s: ends with its own hint", (_, error, hint) => {
    const line = errorLine(error)
    expect(line.startsWith(`${error._tag}: `)).toBe(true)
    expect(line.endsWith(`. Hint: ${hint}`)).toBe(true)
    expect(line.indexOf(". Hint: ")).toBe(line.length - hint.length - 8)
  })

  it("reads in full for invalid values, a wait timeout with and without a last status", () => {
    expect(errorLine(new E.InvalidRequest({ fields: checkRef({ groupId: "xyz", restoreJobId: "q" }) }))).toBe(
      `InvalidRequest: --group-id "xyz" must be ${hex24}; --restore-job-id "q" must be ${hex24}. ` +
        "Hint: nothing was sent; fix these values (see --help)",
    )
    expect(errorLine(new E.WaitTimeout({ afterMillis: 60_000 }))).toBe(
      "WaitTimeout: the restore job did not finish within 1m (last status unknown). " +
        "Hint: raise --timeout, or look at the job in the Atlas UI",
    )
    expect(errorLine(new E.WaitTimeout({ afterMillis: 90_000, lastStatus: "QUEUED" }))).toMatch(
      /within 1m30s \(last status QUEUED\)\. Hint/,
    )
  })

  it("trims the message's trailing dots and blanks and keeps it on one line", () => {
    expect(errorLine(new E.ResponseDecodeError({ status: 200, reason: "not\n  JSON.. \n " }))).toBe(
      "ResponseDecodeError: Could not decode the response (HTTP 200): not JSON. " +
        "Hint: the answer was not a restore job; check --base-url (or MONGODB_ATLAS_BASE_URL)",
    )
  })
})

describe("the CLI's table", () => {
  it("shows an empty value as '-', a multi-line one on one line, and ends with a newline", () => {
    const text = renderJob(
      { id: "66a0000000000000000000a3", status: "RUNNING", snapshotId: "", targetDeploymentItemName: "a\n  b" },
      { format: "table", indent: false, envelope: false },
    )
    expect(text.endsWith("\n")).toBe(true)
    expect(text.split("\n")[1]!.split(/\s{3,}/)).toStrictEqual([
      "66a0000000000000000000a3",
      "-",
      "a b",
      "-",
      "RUNNING",
      "-",
      "-",
      "-",
      "-",
    ])
  })
})
